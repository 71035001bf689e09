#!/usr/bin/env bash
# The README's main command: set up, then run the demo on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/bots demo "$@"
