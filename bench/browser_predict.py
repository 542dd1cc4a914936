"""Benchmark: converted graph models in TF.js 4.22 in headless Chromium, wasm and webgl.

Like bench/tfjs_inference.py (whose conversions, flags and table this reuses): converts the seeded
MobileNetV2 demo with our converter and, if `tensorflowjs_converter` is on PATH, the reference,
then times predictions side by side in the host's Chromium (tools/bootstrap/browser.sh --host
installs Debian's), pages served on 127.0.0.1 (bench/browser_predict.js). webgl runs on
SwiftShader (software): its figures say nothing of a real GPU.
usage: python bench/browser_predict.py [--runs=N] [--models=DIR,...]
"""

import json
import math
import os
import statistics
import subprocess
import tempfile

from absl import app

import tfjs_inference

FLAGS = tfjs_inference.FLAGS
REPO_ROOT = tfjs_inference.REPO_ROOT


def main(argv):
    del argv
    subprocess.run([os.path.join(REPO_ROOT, "tools", "bootstrap", "browser.sh"), "--host"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        models = {d: d for d in FLAGS.models} or tfjs_inference.convert_demo(tmp)
        out = tfjs_inference.run(
            ["node", os.path.join(REPO_ROOT, "bench", "browser_predict.js"), str(FLAGS.runs)]
            + [f"{name}={path}" for name, path in models.items()],
            NODE_PATH=os.path.join(REPO_ROOT, "tests", "js", "node_modules"))
    rows = {}
    for name, backends in json.loads(out.splitlines()[-1]).items():
        for backend, result in backends.items():
            times = sorted(result["times_ms"])
            rows.setdefault(f"{backend} median ms", {})[name] = f"{statistics.median(times):.1f}"
            rows.setdefault(f"{backend} p90 ms", {})[name] = f"{times[math.ceil(0.9 * len(times)) - 1]:.1f}"
            rows.setdefault(f"{backend} first pred. ms", {})[name] = (
                f"{result['first_prediction_ms']:.0f}")
    version = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout
    tfjs_inference.print_table(
        f"TF.js 4.22 in {version.strip()} (headless, webgl on SwiftShader), {FLAGS.runs} timed "
        "predictions after 2 warm-ups; first pred.: ms from navigation to the first prediction:",
        models, rows)


if __name__ == "__main__":
    app.run(main)
