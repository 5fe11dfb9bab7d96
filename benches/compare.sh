#!/usr/bin/env bash
# Throughput comparison: logweave scan against rg -c, grep -cE, lnav and a small Python
# correlator over a generated corpus of a Channels stack (see benches/gen_corpus.py).
#
#   bash benches/compare.sh [SIZE_MB] [RUNS]      (defaults: 1024 MB, 5 runs)
#
# Generates the corpus once (kept in $CORPUS, default target/bench-corpus-<size>), warms
# the page cache, then runs the tools alternately RUNS times and prints the median wall
# time, the ratio to logweave and the peak RSS of each. A tool that is not installed is
# skipped (apt-get install -y ripgrep lnav time).
set -euo pipefail
size=${1:-1024}
runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$here/target/bench-corpus-$size}
bin=${LOGWEAVE:-${CARGO_TARGET_DIR:-$here/target}/release/logweave}
[ -x "$bin" ] || (cd "$here" && cargo build --release)
[ -f "$corpus/truth.json" ] || python3 "$here/benches/gen_corpus.py" "$corpus" "$size" 42 >/dev/null
files=("$corpus/app.journal.log" "$corpus/app.docker.log" "$corpus/nginx-access.log" "$corpus/nginx-error.log")
tags='WSCONNECTING|WSCONNECT|WSDISCONNECT|WSREJECT|\[JWTAuthMiddleware\]|\[ChatConsumer\]|WebSocket /ws/|"GET /ws/|while proxying upgraded|connect\(\) failed'
timebin=/usr/bin/time
[ -x "$timebin" ] || { echo "GNU time is missing (apt-get install -y time)" >&2; exit 1; }

pycorr=$(mktemp --suffix=.py)
sink=$(mktemp)
trap 'rm -f "$pycorr" "$sink"' EXIT
cat >"$pycorr" <<'PY'
# A plain correlator: tag lines grouped by client ip:port, one verdict per connection.
import re, sys, collections
tag = re.compile(r'WSCONNECTING|WSCONNECT|WSDISCONNECT|WSREJECT|\[JWTAuthMiddleware\]|\[ChatConsumer\]|WebSocket /ws/|"GET /ws/|while proxying upgraded|connect\(\) failed')
client = re.compile(r'(\d+\.\d+\.\d+\.\d+):(\d+)')
conns = collections.defaultdict(list)
for path in sys.argv[1:]:
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            if tag.search(line):
                m = client.search(line)
                conns[m.group(0) if m else "?"].append((path, n, line))
bad = sum(1 for v in conns.values() if not any("WSDISCONNECT" in l for _, _, l in v))
print(len(conns), "connections,", bad, "without a disconnect")
PY

declare -A cmd
order=(logweave)
cmd[logweave]="$bin scan -o json --report-file /dev/null ${files[*]}"
command -v rg >/dev/null && { order+=(rg); cmd[rg]="rg -c '$tags' ${files[*]}"; }
command -v grep >/dev/null && { order+=(grep); cmd[grep]="grep -cE '$tags' ${files[*]}"; }
command -v lnav >/dev/null && { order+=(lnav); cmd[lnav]="lnav -n -c ';SELECT count(*) FROM all_logs WHERE log_body REGEXP \"$tags\"' ${files[*]}"; }
order+=(python)
cmd[python]="python3 $pycorr ${files[*]}"
order+=(logweave-1t)
cmd[logweave-1t]="$bin scan --threads 1 -o json --report-file /dev/null ${files[*]}"
command -v gzip >/dev/null && [ -f "$corpus/app.journal.log.gz" ] || gzip -k -1 "$corpus/app.journal.log" 2>/dev/null || true
if [ -f "$corpus/app.journal.log.gz" ]; then
  order+=(gzip-dc logweave-gz)
  cmd[gzip-dc]="gzip -dc $corpus/app.journal.log.gz"
  cmd[logweave-gz]="$bin scan -o json --report-file /dev/null $corpus/app.journal.log.gz"
fi

bytes=$(cat "${files[@]}" | wc -c)
echo "corpus: $corpus ($((bytes / 1048576)) MiB, $(nproc) cores), $runs runs each, alternating"
cat "${files[@]}" >/dev/null  # warm the page cache
declare -A times rss
for r in $(seq "$runs"); do
  for t in "${order[@]}"; do
    # Into a file, not /dev/null: GNU grep stops at the first match when its output
    # is /dev/null (only the exit status can matter then).
    out=$( { $timebin -f '%e %M' bash -c "${cmd[$t]} >$sink 2>&1" ; } 2>&1 | tail -1)
    times[$t]+="${out% *} "
    rss[$t]+="${out#* } "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lw=$(echo "${times[logweave]}" | median)
printf '%-12s %10s %12s %12s %12s\n' tool median_s vs_logweave MB/s peak_rss_MB
for t in "${order[@]}"; do
  m=$(echo "${times[$t]}" | median)
  k=$(echo "${rss[$t]}" | tr ' ' '\n' | sort -g | tail -1)
  printf '%-12s %10.3f %12.2f %12.0f %12.1f\n' "$t" "$m" "$(echo "$m / $lw" | bc -l)" \
    "$(echo "$bytes / 1048576 / ($m + 0.0001)" | bc -l)" "$(echo "$k / 1024" | bc -l)"
done
echo "(gzip rows: app.journal.log alone; MB/s of those rows counts the whole corpus, compare their times)"
