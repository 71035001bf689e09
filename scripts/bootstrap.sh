#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for e9 bots: system packages (when apt is there and
# they are missing), then a virtualenv in .venv with the project installed.
#   scripts/bootstrap.sh            browser + CJK font + .venv
#   scripts/bootstrap.sh --postgres also PostgreSQL, started, with a superuser for $USER
#   scripts/bootstrap.sh --bench    also the benches' extras ('.[bench]': Robot Framework
#                                   Browser and its Node side, a profiler); CI needs none
set -euo pipefail
cd "$(dirname "$0")/.."

want_pg=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --postgres) want_pg=1 ;;
    --bench) want_bench=1 ;;
    *) echo "bootstrap: unknown option $arg (--postgres, --bench)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
have_chromium() { [ -n "${BOTS_CHROMIUM:-}" ] || [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ]; }
have_chromium || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ "$want_pg" = 1 ] && ! command -v pg_ctlcluster >/dev/null; then missing+=(postgresql); fi

if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bootstrap: please install: ${missing[*]} (no apt-get here)" >&2
    exit 1
  fi
fi

# the headless shell: headless runs render with about a third less CPU (bots/browser.py).
# Without it (a distribution that does not package it) the bots run on the full browser
if [ -z "${BOTS_CHROMIUM:-}" ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ] \
    && command -v apt-get >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell \
    >/dev/null 2>&1 \
    || echo "bootstrap: no chromium-headless-shell package: headless runs use the full browser" >&2
fi

if [ "$want_pg" = 1 ]; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -n "$ver" ] && ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
    as_root pg_ctlcluster "$ver" main start
  fi
  user=$(id -un)
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$user'\"" | grep -q 1 \
    || as_root su postgres -c "createuser -s $user"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
if [ "$want_bench" = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev,bench]'
  .venv/bin/rfbrowser init --skip-browsers  # Node packages from npm; drives the system Chromium
fi
echo "bootstrap: ready (.venv/bin/bots)"
