#!/bin/sh
# PROTOTYPE (issue 14): weight_origins.py for each conversion, one process each (grappler runs
# change what later grappler runs in a process do). Usage: run_origins.sh SRC_DIR OUT_DIR PYTHON
set -e
src=$1 out=$2 py=$3
mkdir -p "$out"
python3 -c "import json,sys;[print(c[0]) for c in json.load(open(sys.argv[1]))]" "$src/conversions.json" |
while read -r name; do
  PYTHONPATH=. "$py" bench/issue14/weight_origins.py "$src" "$name" > "$out/$name.json" 2>"$out/$name.err" || echo "FAILED $name"
done
