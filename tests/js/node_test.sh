#!/bin/sh
# Runs a Node test script with pinned npm packages (@tfjs_npm's or @tfjs_npm_dev's).
# usage: node_test.sh NODE_MODULES_FILE SCRIPT [ARGS...]   (NODE_MODULES_FILE, the runfiles path
# of any file inside a node_modules folder, e.g. @tensorflow/tfjs/dist/tf.min.js, locates it)
set -eu
node_modules=$(cd "${1%/node_modules/*}/node_modules" && pwd)
shift
# --preserve-symlinks: resolve modules inside the runfiles tree, never beside the source files.
NODE_PATH=$node_modules exec node --preserve-symlinks --preserve-symlinks-main "$@"
