#!/usr/bin/env bash
# Installs (once) Debian's Chromium where the browser test runs: in the Debian sid root of
# tools/bazel when tools/bazel runs Bazel there (Bazel's actions and tests run inside it), else on
# the host; with --host, on the host in any case (bench/browser_predict.py drives the host's).
# apt-get only, nothing downloads a browser of its own. First run about a minute, then about a
# second. Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
R=${RULES_TFJS_SIDROOT:-/opt/rules_tfjs-sidroot}
# fonts-dejavu-core: the screenshot's text in a real font rather than boxes. file: Bazel's
# test-setup.sh lists the type of each undeclared output (the screenshot) with it.
PKGS="chromium fonts-dejavu-core file"

uses_sid_root() {  # the choice tools/bazel makes: a Bazel >= 7 of the host, or the sid root
  local b v
  for b in ${BAZEL_REAL:-$(type -ap bazel bazelisk || true)}; do
    v=$("$b" --version 2>/dev/null | sed -n 's/^bazel \([0-9][0-9]*\).*/\1/p' | head -n1 || true)
    [ "${v:-0}" -ge 7 ] && return 1
  done
  return 0
}

if [ "${1:-}" != --host ] && uses_sid_root; then
  tools/bootstrap/sid_bazel_root.sh >&2
  [ "$(cat "$R/.rules_tfjs-browser-packages" 2>/dev/null)" = "$PKGS" ] && exit 0
  echo "rules_tfjs: installing $PKGS in $R" >&2
  tools/bootstrap/sid_run.sh "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends $PKGS >/dev/null && apt-get clean"
  echo "$PKGS" > "$R/.rules_tfjs-browser-packages"
elif ! command -v chromium >/dev/null; then
  echo "rules_tfjs: installing $PKGS on this machine" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
fi
