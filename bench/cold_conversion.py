"""Benchmark: a cold command-line conversion of the MobileNetV2 SavedModel, ours against the
reference tensorflowjs_converter, side by side (alternating fresh processes, median wall time).

Also measured, in the same run: the floor every TensorFlow-based converter pays (a fresh
interpreter that only imports TensorFlow) and, from ours with --verbose, each stage's time.
usage: python bench/cold_conversion.py [--runs=N] [--reference=PATH]
The reference comes from a separate environment (see TFJS-FORMAT.md), e.g.
/opt/tfjs-reference-venv/bin/tensorflowjs_converter; it is not one of this project's pins.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
flags.DEFINE_integer("runs", 5, "Fresh processes per command (the median is reported).")
flags.DEFINE_string("reference", "/opt/tfjs-reference-venv/bin/tensorflowjs_converter",
                    "The reference converter's executable.")
FLAGS = flags.FLAGS
_STAGE = re.compile(r"info: stage\s+(.+?)\s+([0-9.]+) s,")
_ENV = {"PYTHONPATH": REPO_ROOT, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root")}


def _timed(command):
    """Runs ``command`` with the converter's environment; returns (seconds, stderr)."""
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO_ROOT,
                          env=_ENV)
    return time.perf_counter() - start, done.stderr


def main(argv):
    del argv
    if not os.access(FLAGS.reference, os.X_OK):
        sys.exit(f"cold_conversion: error: no reference converter at {FLAGS.reference}")
    with tempfile.TemporaryDirectory() as tmp:
        model, output = os.path.join(tmp, "mobilenet_v2"), os.path.join(tmp, "web")
        subprocess.run([sys.executable, "-m", "models.mobilenet_saved_model", model], check=True,
                       capture_output=True, cwd=REPO_ROOT, env=_ENV)
        commands = {
            "import tensorflow only": [sys.executable, "-c", "import tensorflow"],
            "ours (python -m tools.converter)": [sys.executable, "-m", "tools.converter",
                                                 "--verbose", model, output],
            "reference tensorflowjs_converter": [FLAGS.reference, "--input_format=tf_saved_model",
                                                 model, output],
        }
        seconds = {name: [] for name in commands}
        stages = {}
        for _ in range(FLAGS.runs):
            for name, command in commands.items():
                shutil.rmtree(output, ignore_errors=True)
                elapsed, stderr = _timed(command)
                seconds[name].append(elapsed)
                for stage, value in _STAGE.findall(stderr):
                    stages.setdefault(stage, []).append(float(value))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    reference = median["reference tensorflowjs_converter"]
    print(f"MobileNetV2 SavedModel -> graph model, cold, {FLAGS.runs} alternating runs (median):")
    for name, value in median.items():
        print(f"  {name:<34} {value:6.2f} s  {value / reference:5.2f}x the reference")
    print("  ours, by stage:")
    for stage, values in stages.items():
        print(f"    {stage:<32} {statistics.median(values):6.3f} s")
    print(f"    {'(all stages)':<32} {sum(statistics.median(v) for v in stages.values()):6.3f} s")


if __name__ == "__main__":
    app.run(main)
