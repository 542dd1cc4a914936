#!/bin/sh
# Prints where a converted model is and how to serve it. Arg: the model directory (runfiles path).
set -eu
dir=$1
files=$(ls "$dir" | wc -l)
size=$(du -shL "$dir" | cut -f1)
echo "TF.js graph model: bazel-bin/$dir/ (model.json + $((files - 1)) weight shards, $size)"
echo "Serve it with a demo page:  bazel run //examples/web:serve   (http://127.0.0.1:8080/)"
echo "Load it in TF.js:           await tf.loadGraphModel('<url of $dir>/model.json')"
