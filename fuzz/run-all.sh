#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 180), one after another, each in one
# process on one core (no -jobs: libFuzzer would fork and log to ./fuzz-N.log);
# logs go to fuzz/logs/TARGET.log. Needs nightly and cargo-fuzz.
set -u
cd "$(dirname "$0")/.."
secs=${1:-180}
mkdir -p fuzz/logs
for t in ${TARGETS:-jwt patterns formats assemble scan}; do
  # libFuzzer needs the corpus directory; the whole-input targets start from the fixtures.
  if [ ! -d "fuzz/corpus/$t" ]; then
    mkdir -p "fuzz/corpus/$t"
    case $t in
      scan|assemble) i=0; for f in fixtures/*/*.log; do i=$((i+1)); head -c 4000 "$f" >"fuzz/corpus/$t/seed$i"; done ;;
      patterns) cp patterns/*.toml "fuzz/corpus/$t/" ;;
    esac
  fi
  cargo +nightly fuzz run --target-dir "${CARGO_TARGET_DIR:-fuzz/target}/fuzz" "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"fuzz/logs/$t.log" 2>&1
  echo "$t exit $? $(grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units' "fuzz/logs/$t.log" | tr '\n' ' ')"
done
