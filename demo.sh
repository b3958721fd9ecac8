#!/usr/bin/env bash
# Installs Forbedringstavla and starts the demo: a sample municipality in ./board-data, kept between runs.
# Extra arguments go to "board demo", e.g. ./demo.sh --port 8090
set -euo pipefail
cd "$(dirname "$0")"
./install.sh
exec .venv/bin/board demo --host 0.0.0.0 "$@"
