#!/usr/bin/env bash
# logweave end-to-end test on a real stack: bash tests/e2e/run.sh [run_e2e.py options]
#
# Installs what is missing (Debian: nginx, redis-server, python3-venv, and
# systemd-journal-remote when available; Python packages pinned in requirements.txt into a
# virtualenv at $LOGWEAVE_E2E_VENV, default target/e2e-venv), builds logweave unless
# LOGWEAVE_BIN names one, then runs run_e2e.py. Servers are started and stopped by
# run_e2e.py itself (by PID, also on failure).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=${LOGWEAVE_E2E_VENV:-$target/e2e-venv}

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() {
  if [ -z "${apt_updated:-}" ]; then $sudo apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then echo "e2e: installing ${need[*]}"; apt_install "${need[@]}"; fi
export PATH="$PATH:/usr/sbin:/sbin"
if [ ! -x /lib/systemd/systemd-journal-remote ] && [ ! -x /usr/lib/systemd/systemd-journal-remote ]; then
  apt_install systemd-journal-remote || echo "e2e: systemd-journal-remote not available; the journal part is skipped"
fi

if [ ! -x "$venv/bin/daphne" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  echo "e2e: creating the virtualenv $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

bin=${LOGWEAVE_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build -q --bin logweave)
  bin="$target/debug/logweave"
fi
exec "$venv/bin/python" "$here/run_e2e.py" --logweave "$bin" --venv "$venv" "$@"
