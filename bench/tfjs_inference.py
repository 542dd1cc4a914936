"""Benchmark: converted graph models in TF.js 4.22 (Node): op count, bytes, predict time.

By default it exports the seeded MobileNetV2 demo SavedModel, converts it with our converter
and, if `tensorflowjs_converter` is on PATH, with the reference too, and prints the figures of
each conversion side by side. Predictions run in fresh Node processes (bench/tfjs_predict.js)
on the cpu and wasm backends. usage: python bench/tfjs_inference.py [--runs=N] [--models=DIR,...]
"""

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("cpu", "wasm")
flags.DEFINE_integer("runs", 20, "Timed predictions per model and backend.")
flags.DEFINE_list("models", [], "Converted model directories to compare instead of converting "
                  "the MobileNetV2 demo.")
FLAGS = flags.FLAGS


def run(command, **env):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return done.stdout


def convert_demo(tmp):
    """Returns {converter: model directory} for the seeded MobileNetV2 demo."""
    saved_model = os.path.join(tmp, "saved_model")  # build(seed=0).export(saved_model)
    run([sys.executable, "-m", "models.mobilenet_saved_model", saved_model, "--seed=0"],
        PYTHONPATH=REPO_ROOT)
    models = {"ours": os.path.join(tmp, "ours")}
    run([sys.executable, "-m", "tools.converter", saved_model, models["ours"]],
        PYTHONPATH=REPO_ROOT)
    reference = shutil.which("tensorflowjs_converter")
    if reference:
        models["reference"] = os.path.join(tmp, "reference")
        run([reference, "--input_format=tf_saved_model", saved_model, models["reference"]])
    else:
        print("tensorflowjs_converter is not installed: reference conversion skipped")
    return models


def _static_figures(model_dir):
    """(op histogram over the graph and its library functions, bytes of model.json + shards)."""
    model_json = os.path.join(model_dir, "model.json")
    with open(model_json, encoding="utf-8") as f:
        model = json.load(f)
    topology = model["modelTopology"]
    nodes = list(topology["node"])
    for function in topology.get("library", {}).get("function", []):
        nodes += function.get("nodeDef", [])
    files = [model_json] + [os.path.join(model_dir, p)
                            for group in model["weightsManifest"] for p in group["paths"]]
    return collections.Counter(n["op"] for n in nodes), sum(map(os.path.getsize, files))


def _predict(model_dir, backend):
    """Median and p90 milliseconds of FLAGS.runs predictions, from bench/tfjs_predict.js."""
    out = run(["node", os.path.join(REPO_ROOT, "bench", "tfjs_predict.js"), model_dir, backend,
               str(FLAGS.runs)], NODE_PATH=os.path.join(REPO_ROOT, "tools", "js", "node_modules"))
    return json.loads(out.splitlines()[-1])


def main(argv):
    del argv
    with tempfile.TemporaryDirectory() as tmp:
        models = {d: d for d in FLAGS.models} or convert_demo(tmp)
        rows = collections.defaultdict(dict)
        for name, model_dir in models.items():
            ops, size = _static_figures(model_dir)
            print(f"{name} top ops: " + ", ".join(f"{op} {n}" for op, n in ops.most_common(8)))
            rows["ops"][name] = str(sum(ops.values()))
            rows["model bytes"][name] = f"{size:,}"
            for backend in BACKENDS:
                timing = _predict(model_dir, backend)
                rows[f"{backend} median ms"][name] = f"{timing['median_ms']:.1f}"
                rows[f"{backend} p90 ms"][name] = f"{timing['p90_ms']:.1f}"
    print_table(f"TF.js 4.22 in Node {run(['node', '--version']).strip()}, "
                f"{FLAGS.runs} timed predictions after 2 warm-ups:", models, rows)


def print_table(title, names, rows):
    """Prints rows ({label: {name: text}}) with a column per name."""
    print(f"\n{title}")
    width = max(12, *map(len, names))
    print(f"  {'':<20}" + "".join(f"{name:>{width + 2}}" for name in names))
    for label, values in rows.items():
        print(f"  {label:<20}" + "".join(f"{values[name]:>{width + 2}}" for name in names))


if __name__ == "__main__":
    app.run(main)
