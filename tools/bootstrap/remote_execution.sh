#!/usr/bin/env bash
# Installs (once) what the remote-execution test runs, all inside the Debian sid root of
# tools/bazel (made by sid_bazel_root.sh, whose Bazel is the client): Debian's buildbox
# (buildbox-casd, buildbox-worker, buildbox-run-hosttools; built against sid's libc, so not for
# the host) and PostgreSQL (BuildGrid's scheduler takes no other database), both with apt-get in
# the root; and BuildGrid from requirements/buildgrid.lock in a python3.13 venv at
# /opt/buildgrid-<lock hash> in the root. Kept out of sid_bazel_root.sh so that a plain
# `tools/bazel build` does not pay for them. First run about a minute, then about a second.
# Prints the venv's path inside the root. Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
R=${RULES_TFJS_SIDROOT:-/opt/rules_tfjs-sidroot}
PKGS="buildbox postgresql"
tools/bootstrap/sid_bazel_root.sh >&2

if [ "$(cat "$R/.rules_tfjs-remote-packages" 2>/dev/null)" != "$PKGS" ]; then
  echo "rules_tfjs: installing $PKGS in $R" >&2
  # The test makes its own throw-away cluster: no default one at install time.
  mkdir -p "$R/etc/postgresql-common/createcluster.d"
  echo 'create_main_cluster = false' > "$R/etc/postgresql-common/createcluster.d/rules_tfjs.conf"
  tools/bootstrap/sid_run.sh "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends $PKGS >/dev/null && apt-get clean"
  echo "$PKGS" > "$R/.rules_tfjs-remote-packages"
fi

venv=/opt/buildgrid-$(sha256sum < requirements/buildgrid.lock | cut -c1-16)
if [ ! -e "$R$venv/.complete" ]; then
  echo "rules_tfjs: creating BuildGrid's environment $R$venv" >&2
  rm -rf "$R$venv"
  tools/bootstrap/sid_run.sh "python3.13 -m venv $venv && $venv/bin/pip install --quiet \
    --disable-pip-version-check --require-hashes --no-deps -r requirements/buildgrid.lock >&2"
  touch "$R$venv/.complete"
fi
echo "$venv"
