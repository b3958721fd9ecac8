#!/usr/bin/env bash
# Installs what the tests need (Debian's Chromium included) and runs the whole suite:
# ruff, mypy, then pytest with the browser tests (which fail the run if they were skipped).
set -euo pipefail
cd "$(dirname "$0")"
./install.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
