#!/usr/bin/env bash
# Creates (once) the project's Python environment for tests and benches (pytest, the converter run
# from the checkout) from the hash-locked requirements and prints the path of its interpreter.
# The environment lives outside the checkout, keyed by the lock files' contents and the interpreter
# version, so every clone and CI run reuses it. Bazel never uses it: its converter environment
# comes from the repository rules (rules/private/converter_env.bzl).
# Usage: tools/bootstrap/python_env.sh test     (the converter's requirements plus pytest)
# Environment: RULES_TFJS_PYTHON  interpreter to build from (default: first python3.11-3.13 found)
#              RULES_TFJS_CACHE   where environments live (default: /opt/rules_tfjs-cache if
#                                 writable, else ~/.cache/rules_tfjs)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ "${1:-test}" = test ] || { echo "usage: $0 test" >&2; exit 2; }
locks=("$here/requirements/converter.lock" "$here/requirements/test.lock")

supported() { "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; }
find_python() {
  if [ -n "${RULES_TFJS_PYTHON:-}" ]; then
    supported "$RULES_TFJS_PYTHON" && { command -v "$RULES_TFJS_PYTHON"; return; }
    echo "rules_tfjs: $RULES_TFJS_PYTHON is not a Python 3.11-3.13 (TensorFlow 2.21 has wheels for those)" >&2
    exit 1
  fi
  for p in python3 python3.11 python3.12 python3.13; do
    command -v "$p" >/dev/null && supported "$p" && { command -v "$p"; return; }
  done
  echo "rules_tfjs: no Python 3.11-3.13 found; set RULES_TFJS_PYTHON" >&2; exit 1
}
python=$(find_python)

cache=${RULES_TFJS_CACHE:-}
if [ -z "$cache" ]; then
  if mkdir -p /opt/rules_tfjs-cache 2>/dev/null && [ -w /opt/rules_tfjs-cache ]; then cache=/opt/rules_tfjs-cache
  else cache=${XDG_CACHE_HOME:-$HOME/.cache}/rules_tfjs; fi
fi
key=$({ "$python" -c 'import sys; print(sys.version)'; cat "${locks[@]}"; } | sha256sum | cut -c1-16)
venv="$cache/venv-test-$key"
mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9   # two checkouts setting up at once: the second waits, then finds the environment made
if [ ! -e "$venv/.complete" ]; then
  echo "rules_tfjs: creating Python environment $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  args=()
  for l in "${locks[@]}"; do args+=(-r "$l"); done
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps "${args[@]}" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
