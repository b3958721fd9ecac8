#!/usr/bin/env bash
# Installs Forbedringstavla into .venv (and, with --test, what the tests need: Debian's Chromium, systemd-analyze and
# Caddy included).
# Used by demo.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -q; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Forbedringstavla needs Python 3.11 or newer as '$PYTHON' (set PYTHON=... to choose another)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv   # Debian ships venv separately
    "$PYTHON" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip
if $want_test; then
  .venv/bin/python -m pip install -q -e '.[test]'
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium       # Playwright drives Debian's Chromium; its own browser download cannot work here
  fi
  if ! command -v systemd-analyze >/dev/null; then
    apt_install systemd        # tests/app/test_service_files.py checks the units with systemd-analyze verify
  fi
  # tests/app/test_reverse_proxy.py runs config/Caddyfile in its own caddy process on 127.0.0.1, in front of a hub;
  # the service Debian's package starts (its default site on port 80) is not wanted on a test machine
  if ! command -v caddy >/dev/null; then
    apt_install caddy
    as_root systemctl disable --now caddy 2>/dev/null || true
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
