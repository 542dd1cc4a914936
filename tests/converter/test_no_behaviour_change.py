"""Refactoring guard: every test model converts to the same bytes as when the hashes were recorded.

`testdata/output_hashes.json` holds the sha256 of every file the converter writes for the model
zoo (tests/converter/model_zoo.py), a handful of Keras models to both output formats, a layers
model back to a graph model, MobileNetV2 (models/mobilenet_saved_model.py, seed 0), and a few
flag variants. A change that means to alter the output re-records them:

    PYTHONPATH=. python -m tests.converter.test_no_behaviour_change --record
"""

import hashlib
import json
import os
import pathlib
import subprocess
import sys

from tools.converter import cli

HASHES = pathlib.Path(__file__).parent / "testdata" / "output_hashes.json"
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
GRAPH, LAYERS = "--output_format=tfjs_graph_model", "--output_format=tfjs_layers_model"

# Extra conversions of zoo models with flags that take other code paths.
_FLAG_VARIANTS = {
    "conv_bn_relu+quantize_uint8+split": ("conv_bn_relu", (
        "--quantize_uint8", "--split_weights_by_layer", "--weight_shard_size_bytes=64")),
    "nested_while+lowered": ("nested_while", ("--control_flow_v2=false",)),
    "dict_outputs+structured": ("dict_outputs", ("--use_structured_outputs_names",
                                                 "--strip_debug_ops")),
}

# (name, Keras version, builder in test_keras_graph, file suffix, --input_format)
_KERAS = (
    ("keras3_functional.keras", "keras3", "_functional", ".keras", "keras_keras"),
    ("tf_keras_conv.h5", "tf_keras", "_conv", ".h5", "keras"),
    ("keras3_sequence.h5", "keras3", "_sequence", ".h5", "keras"),
    ("tf_keras_sequence_saved_model", "tf_keras", "_sequence", "", "keras_saved_model"),
)


def _keras_source(workdir, name, version, build, suffix):
    # pylint: disable=import-outside-toplevel
    from tests.converter import test_keras_graph
    from tests.converter.keras_support import keras_module
    k = keras_module(version)
    k.utils.set_random_seed(0)
    model = getattr(test_keras_graph, build)(k)
    path = workdir / "keras" / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix:
        model.save(str(path))
    else:
        import tensorflow as tf  # pylint: disable=import-outside-toplevel
        tf.saved_model.save(model, str(path))
    return str(path)


def conversions(workdir):
    """Builds the source models under ``workdir``; yields (name, INPUT, flags) in a fixed order."""
    # Imported here: the process that converts must not have imported Keras (see _run_self).
    from tests.converter import model_zoo  # pylint: disable=import-outside-toplevel
    workdir = pathlib.Path(workdir)
    cases = {}
    for name in model_zoo.BUILDERS:
        cases[name] = model_zoo.build(name, workdir / "zoo" / name)
        yield name, cases[name].input_path, cases[name].flags
    for name, (case, flags) in _FLAG_VARIANTS.items():
        yield name, cases[case].input_path, cases[case].flags + flags
    for name, version, build, suffix, input_format in _KERAS:
        path = _keras_source(workdir, name, version, build, suffix)
        yield f"{name}->graph", path, (f"--input_format={input_format}", GRAPH)
        if input_format != "keras_saved_model":
            yield f"{name}->layers", path, (f"--input_format={input_format}", LAYERS)
            yield f"{name}->layers->graph", str(workdir / "out" / f"{name}->layers" / "model.json"), (
                "--input_format=tfjs_layers_model", GRAPH)
    mobilenet = workdir / "mobilenet_v2"
    subprocess.run([sys.executable, "-m", "models.mobilenet_saved_model", str(mobilenet),
                    "--seed=0"], check=True, cwd=REPO_ROOT, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    yield "mobilenet_v2", str(mobilenet), ("--input_format=tf_saved_model",)
    yield "mobilenet_v2+float16", str(mobilenet), ("--quantize_float16",)


def build_sources(workdir):
    """Builds the source models under ``workdir``; writes and returns the conversion list."""
    listed = [[name, input_path, list(flags)] for name, input_path, flags in conversions(workdir)]
    (pathlib.Path(workdir) / "conversions.json").write_text(json.dumps(listed))
    return listed


def output_hashes(workdir, extra_flags=()):
    """Runs the conversions ``build_sources`` listed, in this process, one after the other (as the
    persistent worker does), each with ``extra_flags`` added; returns {conversion name: {file
    name: sha256}}."""
    hashes = {}
    listed = json.loads((pathlib.Path(workdir) / "conversions.json").read_text())
    for name, input_path, flags in listed:
        output = pathlib.Path(workdir) / "out" / name
        status, message = cli.run_command([*flags, *extra_flags, input_path, str(output)])
        assert status == 0, f"{name}: {message}"
        hashes[name] = {f: hashlib.sha256((output / f).read_bytes()).hexdigest()
                        for f in sorted(os.listdir(output))}
    return hashes


def _run_self(*args):
    # Building models imports Keras and runs TensorFlow, which changes what grappler's remapper
    # does in that process: the conversions run in a process of their own, as the CLI's do.
    ran = subprocess.run([sys.executable, "-m", "tests.converter.test_no_behaviour_change", *args],
                         check=False, cwd=REPO_ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert ran.returncode == 0, f"{args[0]} failed:\n{ran.stderr[-3000:]}"
    return ran.stdout


def test_outputs_are_byte_identical_to_the_recorded_ones(tmp_path):
    recorded = json.loads(HASHES.read_text())
    _run_self("--build", str(tmp_path))
    actual = json.loads(_run_self("--convert", str(tmp_path)))
    assert list(actual) == list(recorded)
    changed = {name: sorted(set(actual[name].items()) ^ set(recorded[name].items()))
               for name in recorded if actual[name] != recorded[name]}
    assert not changed, f"outputs changed: {json.dumps(changed, indent=1)}"


if __name__ == "__main__":
    # --build DIR | --convert DIR [FLAG...] (prints the hashes; FLAGs added to every conversion)
    # | --record (both, in two processes)
    if sys.argv[1] == "--build":
        build_sources(sys.argv[2])
    elif sys.argv[1] == "--convert":
        print(json.dumps(output_hashes(sys.argv[2], sys.argv[3:])))
    elif sys.argv[1] == "--record":
        import tempfile
        with tempfile.TemporaryDirectory() as directory:
            _run_self("--build", directory)
            result = json.loads(_run_self("--convert", directory))
        HASHES.write_text(json.dumps(result, indent=1) + "\n")
