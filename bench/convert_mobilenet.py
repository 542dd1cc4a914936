"""Benchmark: MobileNetV2 SavedModel -> TF.js graph model, wall time and peak memory by phase.

Each run is a fresh process, as a build action is: it imports TensorFlow, converts, and
reports its phases and peak RSS. usage: python bench/convert_mobilenet.py [--runs=N]
For reference, tensorflowjs_converter 4.22 takes 5.5 s and 1.2 GB here on the same model.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
flags.DEFINE_integer("runs", 3, "Conversions to time (the median is reported).")
FLAGS = flags.FLAGS

# Runs inside the measured process: phases come from the converter's own timer.
_ONE_CONVERSION = """
import json, resource, sys, time
start = time.perf_counter()
from tools.converter import tf_import
tf_import.import_tensorflow()
imported = time.perf_counter()
from tools.converter import conversion, options
result = conversion.convert(options.ConversionOptions(sys.argv[1], sys.argv[2]))
end = time.perf_counter()
print(json.dumps({"import": imported - start, **result.phase_seconds, "total": end - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "ops": sum(result.op_counts.values())}))
"""


def _run(command):
    env = {"PYTHONPATH": REPO_ROOT, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO_ROOT,
                          env=env).stdout


def main(argv):
    del argv
    with tempfile.TemporaryDirectory() as tmp:
        saved_model = os.path.join(tmp, "mobilenet_v2")
        _run([sys.executable, "-m", "models.mobilenet_saved_model", saved_model])
        runs = []
        for i in range(FLAGS.runs):
            output = os.path.join(tmp, f"web{i}")
            runs.append(json.loads(_run([sys.executable, "-c", _ONE_CONVERSION, saved_model,
                                         output]).splitlines()[-1]))
    print(f"MobileNetV2 SavedModel -> graph model, {FLAGS.runs} fresh processes (median):")
    for key in ("import", "load", "freeze", "optimize", "write", "total"):
        print(f"  {key:<10} {statistics.median(r[key] for r in runs):6.2f} s")
    print(f"  {'peak RSS':<10} {statistics.median(r['peak_rss_mb'] for r in runs):6.0f} MB")
    print(f"  {'graph ops':<10} {runs[0]['ops']:6d}")


if __name__ == "__main__":
    app.run(main)
