#!/usr/bin/env bash
# Runs a shell command inside the root made by sid_bazel_root.sh ($RULES_TFJS_SIDROOT, default
# /opt/rules_tfjs-sidroot), entered by pivot_root in a private mount namespace: Bazel's
# linux-sandbox works there (in a plain chroot, clone() of namespaces gets EPERM and Bazel falls back
# to the weaker processwrapper sandbox). Nothing stays mounted on the host afterwards.
# Usage: sid_run.sh 'bazel build //...; rc=$?; bazel shutdown; exit $rc'      (no argument: a shell)
# A Bazel server started here lives in this namespace only: end each call with `bazel shutdown`.
# Mounted at their own paths: the current directory; $SID_BIND (colon-separated, like PATH); Bazel's
# output user root ($ROOT/var/cache/bazel, so paths Bazel prints are valid on the host too), which
# holds everything builds keep (the converter environment included); read-only, the local folders
# that the host's pip configuration names (find-links, file:// indexes).
# Environment inside: a fixed minimal one plus CI, RULES_TFJS_*, and the host's PIP_* and
# npm_config_* (pip/npm configuration, so pip/npm run by repository rules behave as on the host).
set -euo pipefail
R=${RULES_TFJS_SIDROOT:-/opt/rules_tfjs-sidroot}
CMD=${1:-exec bash -i}
W=$(pwd -P)
[ -x "$R/usr/bin/bazel" ] || { echo "$0: no root at $R: run tools/bootstrap/sid_bazel_root.sh" >&2; exit 1; }

pip_paths() {  # existing absolute paths in the host's pip config files and PIP_* variables
  { cat /etc/pip.conf /etc/xdg/pip/pip.conf "${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf" \
        "$HOME/.pip/pip.conf" 2>/dev/null | grep -v '^[[:space:]]*[#;[]' | sed 's/^[^=]*=//'
    env | sed -n 's/^PIP_[A-Z_]*=//p'
  } | tr -s '[:blank:]' '\n' | while read -r t; do
    case $t in  # a PEP 503 index .../simple links to its files beside it (../../files): mount its parent
      file://*) t=${t#file://}; t=${t%/}; [ "${t##*/}" = simple ] && t=${t%/*} ;;
    esac
    t=${t%/}
    case $t in /*/*) ;; *) continue ;; esac   # never /, /opt, nor relative words
    case $t in /etc/*|/usr/*|/proc/*|/sys/*|/dev/*|/run/*|/bin/*|/sbin/*|/lib*) continue ;; esac  # the root has its own
    [ -e "$t" ] && echo "$t"
  done | sort -u
}

binds=("rw:$W" "rw:$R/var/cache/bazel")
IFS=: read -ra extra <<< "${SID_BIND:-}"
for p in "${extra[@]}"; do [ -n "$p" ] && binds+=("rw:$p"); done
while read -r p; do [ -n "$p" ] && binds+=("ro:$p"); done < <(pip_paths)

envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "TERM=${TERM:-dumb}")
while IFS= read -r -d '' kv; do
  case $kv in CI=*|RULES_TFJS_*|PIP_*|npm_config_*|NPM_CONFIG_*) envs+=("$kv") ;; esac
done < <(env -0)

# Inner script (root of the private namespace): make $R a mount point, mount the kernel file
# systems and the binds under it, pivot into it and drop the old root.
exec unshare --mount --propagation private /bin/bash -c '
set -e; R=$1; W=$2; shift 2
mount --rbind "$R" "$R"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
while [ "$1" != -- ]; do
  m=${1%%:*}; p=${1#*:}; shift
  if [ -d "$p" ]; then mkdir -p "$R$p"; else mkdir -p "$(dirname "$R$p")"; touch "$R$p"; fi
  mount --bind "$p" "$R$p"
  if [ "$m" = ro ]; then mount -o remount,bind,ro "$R$p"; fi
done; shift
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/.oldroot"; cd "$R"; pivot_root . .oldroot; umount -l /.oldroot; cd "$W"
exec "$@"' _ "$R" "$W" "${binds[@]}" -- env -i "${envs[@]}" /bin/bash -c "cd $(printf %q "$W") && $CMD"
