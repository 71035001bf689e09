#!/usr/bin/env bash
# The README's test command: set everything up, then lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --postgres
export BOTS_TEST_PG_URL=${BOTS_TEST_PG_URL:-postgresql:///postgres}
.venv/bin/ruff check bots mock_portal tests bench
.venv/bin/mypy
# Missing set-up must fail, never skip: -W error on skips is not enough, so the conftest
# turns a skip into a failure when CI is set.
.venv/bin/python -m pytest -n 2 -q "$@"
