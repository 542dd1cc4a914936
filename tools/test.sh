#!/usr/bin/env bash
# Runs every test: sets up what is missing first (the hash-locked Python environment, cached
# outside the checkout; the pinned TF.js packages and the browser driver; nginx for the
# remote-cache test; Bazel's sid root with BuildGrid, buildbox and PostgreSQL for the
# remote-execution test, and Debian's Chromium where Bazel runs the browser test), then pytest.
# Extra args go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=$(tools/bootstrap/python_env.sh test)
for js in tools/js tests/js; do npm ci --prefix "$js" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; done
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt-get install -y -qq nginx-light >/dev/null
tools/bootstrap/remote_execution.sh >/dev/null
tools/bootstrap/browser.sh
exec "$python" -m pytest "$@"
