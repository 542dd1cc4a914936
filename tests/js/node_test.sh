#!/bin/sh
# Runs a Node test script with the pinned npm packages of @tfjs_npm.
# usage: node_test.sh TFJS_BUNDLE SCRIPT [ARGS...]   (TFJS_BUNDLE, the runfiles path of
# @tensorflow/tfjs/dist/tf.min.js, locates node_modules)
set -eu
node_modules=$(cd "$(dirname "$1")/../../.." && pwd)
shift
# --preserve-symlinks: resolve modules inside the runfiles tree, never beside the source files.
NODE_PATH=$node_modules exec node --preserve-symlinks --preserve-symlinks-main "$@"
