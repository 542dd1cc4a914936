#!/usr/bin/env bash
# Builds (once) a Debian sid root with Bazel 7.7.1 (Debian's bazel-bootstrap; Debian 12's is 4.2.3,
# and installing sid's on the host would upgrade libc) and Python 3.13 (sid's python3 is 3.14, which
# TensorFlow has no wheel for), usable offline. Every call refreshes the host's CAs and pip/npm
# configuration in it; a ready root costs about a second. Needs root and the host's apt mirror
# (read from the host's apt sources, never written here).
# Usage: tools/bootstrap/sid_bazel_root.sh   (root at $RULES_TFJS_SIDROOT, default /opt/rules_tfjs-sidroot)
# Then: tools/bootstrap/sid_run.sh 'cmd', or tools/bazel for Bazel.
set -euo pipefail
R=${RULES_TFJS_SIDROOT:-/opt/rules_tfjs-sidroot}
# python3.13-venv brings ensurepip's bundled pip wheel, so venvs get pip without python3-pip.
# git: git_repository. ca-certificates-java: the JVM (repository downloads) trusts the same CAs.
PKGS="bazel-bootstrap python3.13 python3.13-venv ca-certificates ca-certificates-java nginx-light git nodejs npm"
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "$0: needs root (debootstrap, mount namespaces)" >&2; exit 1; }
# Calls from several checkouts at once (CI, tests) take turns: each may create or refresh files.
mkdir -p "$(dirname "$R")"
exec 9>"$R.lock"
flock 9

mirror() {  # first Debian mirror the host's apt already uses
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -v -- '-security' | head -n1
}
# Runs a command chrooted in the root with /proc, /dev, /sys mounted in a private mount namespace,
# so nothing stays mounted on the host (not even when the command fails).
in_root() {
  unshare --mount --propagation private /bin/bash -c 'set -e; R=$1; shift
    mount -t proc proc "$R/proc"; mount --rbind /dev "$R/dev"; mount --rbind /sys "$R/sys"
    exec chroot "$R" "$@"' _ "$R" "$@"
}
same() { { [ ! -e "$1" ] && [ ! -e "$2" ]; } || diff -rq "$1" "$2" >/dev/null 2>&1; }
sync_path() {  # sync_path SRC DST: mirror a host file or folder into the root (removed when gone)
  same "$1" "$2" && return 0
  rm -rf "$2"
  if [ -e "$1" ]; then mkdir -p "$(dirname "$2")"; cp -rL "$1" "$2"; fi
}

if [ "$(cat "$R/.rules_tfjs-packages" 2>/dev/null)" != "$PKGS" ]; then
  echo "rules_tfjs: preparing the Bazel root $R (about a minute, once)" >&2
  command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
  if [ ! -e "$R/.debootstrap-done" ]; then
    # debootstrap keeps $R/debootstrap/ until it succeeds: only such a half-made root is removed.
    if [ -d "$R/debootstrap" ]; then rm -rf --one-file-system "$R"
    elif [ -n "$(ls -A "$R" 2>/dev/null)" ]; then echo "$0: $R is not empty and not a root made here" >&2; exit 1; fi
    log=$(mktemp)
    unshare --mount --propagation private debootstrap --variant=minbase sid "$R" "$(mirror)" >"$log" 2>&1 \
      || { tail -n 30 "$log" >&2; exit 1; }
    rm -f "$log"
    touch "$R/.debootstrap-done"
  fi
  # The mirror may be a frozen snapshot whose Release file is past Valid-Until.
  echo 'Acquire::Check-Valid-Until "false";' > "$R/etc/apt/apt.conf.d/99no-valid-until"
  # Never start daemons (nginx) from package scripts inside the root.
  printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod +x "$R/usr/sbin/policy-rc.d"
  sync_path /usr/local/share/ca-certificates "$R/usr/local/share/ca-certificates"
  cp -L /etc/resolv.conf "$R/etc/resolv.conf"
  in_root apt-get update -qq
  in_root apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
  in_root apt-get clean
  in_root update-ca-certificates --fresh >/dev/null 2>&1
  echo "$PKGS" > "$R/.rules_tfjs-packages"
fi

# HTTPS to the registries may go through a local CA: trust the host's extra CAs (Java too, through
# ca-certificates-java's hook), re-done only when they changed.
if ! same /usr/local/share/ca-certificates "$R/usr/local/share/ca-certificates"; then
  sync_path /usr/local/share/ca-certificates "$R/usr/local/share/ca-certificates"
  in_root update-ca-certificates --fresh >/dev/null 2>&1
fi

# pip and npm inside the root (repository rules may run them) use the host's configuration.
# Local folders it names (find-links, file:// indexes) are bind-mounted read-only by sid_run.sh.
sync_path /etc/pip.conf "$R/etc/pip.conf"
sync_path /etc/xdg/pip "$R/etc/xdg/pip"    # may hold a constraints file that pip.conf names
sync_path "${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf" "$R/root/.config/pip/pip.conf"
sync_path "$HOME/.pip/pip.conf" "$R/root/.pip/pip.conf"
sync_path /etc/npmrc "$R/etc/npmrc"
npm_user=$HOME/.npmrc
if command -v npm >/dev/null; then  # npm's global rc sits under its prefix (/usr/etc/npmrc for some builds)
  while IFS='=' read -r k v; do
    case $k in
      globalconfig) [ "$v" = /etc/npmrc ] || sync_path "$v" "$R$v" ;;
      userconfig) npm_user=$v ;;
    esac
  done < <(npm config get globalconfig userconfig 2>/dev/null | grep -E '^(globalconfig|userconfig)=/')
fi
sync_path "$npm_user" "$R/root/.npmrc"

# Bazel's own @bazel_tools (and rules_python/rules_proto) ask for modules that Debian does not
# package; empty stand-ins keep module resolution offline (Debian's own package tests do the same).
M="$R/opt/bazel-offline/mock_modules"
if [ ! -e "$M/buildozer/buildozer_binary.bzl" ]; then
  for m in apple_support protobuf buildozer zlib; do
    mkdir -p "$M/$m"; echo "module(name = \"$m\")" > "$M/$m/MODULE.bazel"; touch "$M/$m/BUILD.bazel"
  done
  printf 'cc_library(\n    name = "zlib",\n    linkopts = ["-lz"],\n    visibility = ["//visibility:public"],\n)\n' > "$M/zlib/BUILD.bazel"
  cat > "$M/buildozer/buildozer_binary.bzl" <<'BZL'
def _empty_repo_impl(rctx):
    rctx.file("BUILD.bazel", "")

_empty_repo = repository_rule(implementation = _empty_repo_impl)

def _buildozer_binary_impl(module_ctx):
    _empty_repo(name = "buildozer_binary")

buildozer_binary = module_extension(implementation = _buildozer_binary_impl)
BZL
fi

# Site-wide bazelrc, imported first by Debian's /etc/bazel/bazelrc. Debian's own 8
# --override_module lines (platforms, rules_java, rules_cc, bazel_features, bazel_skylib,
# rules_license, rules_python, rules_proto) come after it: re-point those from a project .bazelrc.
# --noenable_workspace: Bazel 7 still reads a WORKSPACE (its built-in suffix downloads rules_cc)
# unless told not to; a WORKSPACE project can turn it back on in its .bazelrc, and then finds
# the repositories that suffix would download overridden with Debian's copies.
# The output user root has the same path inside the root as on the host (sid_run.sh mounts it
# there), so bazel-bin links and `bazel info` paths are valid on both sides.
mkdir -p "$R/var/cache/bazel"
cat > "$R/etc/bazel.bazelrc.new" <<RC
startup --output_user_root=$R/var/cache/bazel
common --override_module=apple_support=/opt/bazel-offline/mock_modules/apple_support
common --override_module=protobuf=/opt/bazel-offline/mock_modules/protobuf
common --override_module=buildozer=/opt/bazel-offline/mock_modules/buildozer
common --override_module=zlib=/opt/bazel-offline/mock_modules/zlib
common --registry=file:///opt/bazel-offline/no-registry
common --noenable_workspace
# For WORKSPACE-mode projects: Debian's copies of what Bazel's WORKSPACE suffix would download.
common --override_repository=rules_cc=/usr/share/bazel/rules/cc
common --override_repository=rules_java=/usr/share/bazel/rules/java
common --override_repository=rules_python=/usr/share/bazel/rules/python
common --override_repository=rules_proto=/usr/share/bazel/rules/proto
common --override_repository=rules_license=/usr/share/bazel/rules/license
common --override_repository=platforms=/usr/share/bazel/tools/platforms
common --override_repository=bazel_skylib=/usr/share/bazel/tools/skylib
RC
# Debian's rc turns --sandbox_debug on after the site rc (flooding logs): the root's home rc,
# read after it (and after a project's .bazelrc), turns it off again.
echo 'build --nosandbox_debug' > "$R/root/.bazelrc"
if cmp -s "$R/etc/bazel.bazelrc.new" "$R/etc/bazel.bazelrc"; then rm "$R/etc/bazel.bazelrc.new"
else mv "$R/etc/bazel.bazelrc.new" "$R/etc/bazel.bazelrc"; fi
