"""TensorFlow's outputs of a source model, for checking its TF.js conversion.

usage: python -m tools.reference_outputs [flags] MODEL OUTPUT_JSON

MODEL and the flags are as the converter took them (--input_format, --signature_name,
--saved_model_tags, --output_node_names). The inputs are given with --input NAME=FILE (.npy or
.json) or drawn with --seed. OUTPUT_JSON: {"inputs": {name: spec}, "outputs": {name: spec}},
spec = {dtype, shape, values}, with dtypes as TF.js holds them (float64 as float32, int64 as
int32). Errors are one line on stderr and exit status 1.
"""

import json
import os
import sys

import numpy as np
from absl import app, flags

from tools.converter import tf_import
from tools.converter.errors import ConversionError, one_line
from tools.reference_outputs import inputs as model_inputs

flags.DEFINE_string("input_format", "tf_saved_model", "The converter's --input_format of MODEL.")
flags.DEFINE_string("signature_name", "", "SavedModel signature (default as the converter's).")
flags.DEFINE_list("saved_model_tags", [], "MetaGraph tags (default as the converter's).")
flags.DEFINE_list("output_node_names", [], "tf_frozen_model: the output nodes.")
flags.DEFINE_multi_string("input", [], "NAME=FILE: an input's value, a .npy or .json file.")
flags.DEFINE_integer("seed", 0, "Seed of the inputs not given with --input.")
FLAGS = flags.FLAGS


def _spec(value) -> dict:
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in value.reshape(-1)]
        return {"dtype": "string", "shape": list(value.shape), "values": values}
    dtype = {"f": "float32", "i": "int32", "u": "int32", "b": "bool"}[value.dtype.kind]
    values = value.astype(dtype if dtype != "bool" else bool).reshape(-1).tolist()
    return {"dtype": dtype, "shape": list(value.shape), "values": values}


def write(path: str, feeds, outputs) -> None:
    """Writes the reference JSON atomically (a temporary sibling renamed into place)."""
    document = {"inputs": {k: _spec(v) for k, v in sorted(feeds.items())},
                "outputs": {k: _spec(v) for k, v in sorted(outputs.items())}}
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(document, f, sort_keys=True, separators=(",", ":"))
    os.replace(temporary, path)


def main(argv):
    if len(argv) != 3:
        raise app.UsageError("expected MODEL OUTPUT_JSON")
    model_path, output = argv[1], argv[2]
    tf = tf_import.import_tensorflow()
    try:
        given = model_inputs.parse_given(FLAGS.input)
        # After TensorFlow's quiet import: the readers import parts of it at module level.
        from tools.reference_outputs import models  # pylint: disable=import-outside-toplevel
        specs, run_model = models.load(tf, model_path, FLAGS.input_format, FLAGS.signature_name,
                                       FLAGS.saved_model_tags, FLAGS.output_node_names)
        feeds = model_inputs.assemble(specs, given, FLAGS.seed)
        write(output, feeds, run_model(feeds))
    except ConversionError as e:
        sys.exit(f"tfjs_reference_outputs: error: {e}")
    except (ValueError, TypeError, KeyError, tf.errors.OpError) as e:
        sys.exit(f"tfjs_reference_outputs: error: TensorFlow cannot run {model_path} on these "
                 f"inputs: {one_line(e)}")


def run():
    """Runs the command line."""
    app.run(main)
