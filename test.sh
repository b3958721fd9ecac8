#!/usr/bin/env bash
# Installs what the tests need (Debian's Chromium and Caddy included) and runs the whole suite:
# ruff, mypy, pytest with the browser tests (which fail the run if they were skipped), then the quick benchmarks.
set -euo pipefail
cd "$(dirname "$0")"
./install.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
# the quick benchmark table (targets from the issues; BOARD_SKIP_BENCH=1 skips it). A missed target is reported,
# not failed: these machines are shared and noisy, so a timing is a finding to look at, not a broken build.
if [ -z "${BOARD_SKIP_BENCH:-}" ] && [ $# -eq 0 ]; then
  .venv/bin/python -m bench --size quick || echo "test.sh: a benchmark target was missed; see the table above"
fi
