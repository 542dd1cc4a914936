#!/bin/sh
# Serves the site on http://127.0.0.1:${PORT:-8080}/ (arg: the site directory, a runfiles path).
set -eu
echo "Serving $1 on http://127.0.0.1:${PORT:-8080}/ (Ctrl-C to stop)"
exec python3 -m http.server "${PORT:-8080}" --bind 127.0.0.1 --directory "$1"
