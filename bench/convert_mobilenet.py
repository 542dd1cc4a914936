"""Benchmark: MobileNetV2 (SavedModel, .h5 or .keras) -> TF.js graph (or layers) model, wall
time and peak memory by phase.

Each run is a fresh process, as a build action is: it imports TensorFlow, converts, and
reports its phases and peak RSS.
usage: python bench/convert_mobilenet.py [--runs=N] [--source=saved_model|h5|keras]
                                        [--output=graph|layers]
For reference, tensorflowjs_converter 4.22 takes 5.5 s and 1.2 GB here on the SavedModel, and
19.5 s and 1.3 GB on the .h5 to a graph model.
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
flags.DEFINE_enum("source", "saved_model", ["saved_model", "h5", "keras"],
                  "What to convert: the SavedModel, or the Keras model saved as .h5 or .keras.")
flags.DEFINE_enum("output", "graph", ["graph", "layers"],
                  "The TF.js model to write (layers only from .h5 or .keras).")

_INPUT_FORMATS = {"saved_model": "tf_saved_model", "h5": "keras", "keras": "keras_keras"}
# Writes the seeded demo model as a Keras file (the SavedModel comes from its own module).
_SAVE_KERAS_FILE = """
import sys
from models import mobilenet_saved_model
mobilenet_saved_model.build(seed=0).save(sys.argv[1])
"""
FLAGS = flags.FLAGS

# Runs inside the measured process: phases come from the converter's own timer.
_ONE_CONVERSION = """
import json, resource, sys, time
start = time.perf_counter()
from tools.converter import tf_import
tf_import.import_tensorflow()
imported = time.perf_counter()
from tools.converter import conversion, options
result = conversion.convert(options.ConversionOptions(
    sys.argv[1], sys.argv[2], input_format=sys.argv[3], output_format=sys.argv[4]))
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
        if FLAGS.source == "saved_model":
            model = os.path.join(tmp, "mobilenet_v2")
            _run([sys.executable, "-m", "models.mobilenet_saved_model", model])
        else:
            model = os.path.join(tmp, f"mobilenet_v2.{FLAGS.source}")
            _run([sys.executable, "-c", _SAVE_KERAS_FILE, model])
        runs = []
        for i in range(FLAGS.runs):
            output = os.path.join(tmp, f"web{i}")
            runs.append(json.loads(_run([sys.executable, "-c", _ONE_CONVERSION, model, output,
                                         _INPUT_FORMATS[FLAGS.source],
                                         f"tfjs_{FLAGS.output}_model"]).splitlines()[-1]))
    print(f"MobileNetV2 {FLAGS.source} -> {FLAGS.output} model, {FLAGS.runs} fresh processes "
          "(median):")
    for key in runs[0]:  # "import", the pipeline's stages (tools/converter/pipeline.py), "total"
        if key not in ("peak_rss_mb", "ops"):
            print(f"  {key:<18} {statistics.median(r[key] for r in runs):6.2f} s")
    print(f"  {'peak RSS':<18} {statistics.median(r['peak_rss_mb'] for r in runs):6.0f} MB")
    if runs[0]["ops"]:
        print(f"  {'graph ops':<18} {runs[0]['ops']:6d}")


if __name__ == "__main__":
    app.run(main)
