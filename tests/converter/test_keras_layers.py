"""Keras models (Keras 3 and tf_keras) converted to TF.js layers models: tf.loadLayersModel
(TF.js 4.22) reads them and predicts what Keras predicts."""

import json
import subprocess

import numpy as np
import pytest

from tests.converter import tfjs
from tests.converter.keras_support import keras_module, seeded_inputs
from tests.converter.test_keras_graph import _conv, _functional, _sequence
from tools.converter.writers import tfjs_translation

# tf_keras's model.save to a path without a suffix writes a SavedModel with Keras metadata.
CASES = [("keras3", ".keras", "keras_keras"), ("keras3", ".h5", "keras"),
         ("tf_keras", ".h5", "keras"), ("tf_keras", "", "keras_saved_model")]


def _save(model, path):
    model.save(str(path))
    return path


def _predict_both(model, path, tmp_path, *flags):
    inputs = seeded_inputs(model)
    expected = model.predict([inputs[t.name.split(":")[0]] for t in model.inputs], verbose=0)
    warnings = tfjs.convert(path, tmp_path / "web", *flags).stderr
    ran = tfjs.run(tmp_path / "web", inputs, layers=True)
    (key, output), = ran["outputs"].items()
    return tfjs.as_array(output), expected, key, warnings


def _keys(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize("version,suffix,input_format", CASES)
@pytest.mark.parametrize("build", [_conv, _functional, _sequence])
def test_layers_model_matches_keras(tmp_path, version, suffix, input_format, build):
    k = keras_module(version)
    k.utils.set_random_seed(0)
    model = build(k)
    path = _save(model, tmp_path / f"model{suffix}")
    actual, expected, key, warnings = _predict_both(model, path, tmp_path,
                                                    f"--input_format={input_format}")
    tfjs.assert_matches(actual, expected, key)
    # _conv's last Dense has an activity regularizer, which TF.js cannot load.
    assert warnings == ("" if build is not _conv else
                        "tfjs_converter: warning: layer 'scores': activity regularizer dropped; "
                        "TensorFlow.js 4.22 cannot load layers that have one (predictions are "
                        "unaffected)\n")
    document = json.loads((tmp_path / "web" / "model.json").read_text())
    assert document["format"] == "layers-model"
    if version == "keras3":  # its config fields that TF.js 4.22 cannot read are gone
        assert not _keys(document["modelTopology"]) & {"module", "registered_name", "batch_shape"}


@pytest.mark.parametrize("version", ["keras3", "tf_keras"])
def test_weight_breaking_its_constraint_is_reported(tmp_path, version):
    """TF.js applies UnitNorm on load: an untrained kernel is changed (and said to be), a kernel
    that meets it (as training leaves it) predicts the same."""
    k = keras_module(version)
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((4,), name="x"),
                          k.layers.Dense(3, kernel_constraint=k.constraints.UnitNorm(),
                                          name="dense")])
    result = tfjs.convert(_save(model, tmp_path / "untrained.h5"), tmp_path / "untrained",
                          "--input_format=keras")
    assert result.stderr == (
        "tfjs_converter: warning: weight 'dense/kernel' does not meet its UnitNorm constraint; "
        "TensorFlow.js applies it on load, so its predictions will differ\n")
    kernel = model.layers[-1].kernel
    kernel.assign(kernel.constraint(kernel))
    trained = _save(model, tmp_path / "trained.h5")
    actual, expected, key, warnings = _predict_both(model, trained, tmp_path,
                                                    "--input_format=keras")
    tfjs.assert_matches(actual, expected, key)
    assert warnings == ""


@pytest.mark.parametrize("version", ["keras3", "tf_keras"])
def test_model_used_inside_and_outside_a_nested_model(tmp_path, version):
    """TF.js refuses such a layers model ("Duplicate weight name"): a clear error, and the graph
    model of it matches."""
    k = keras_module(version)
    k.utils.set_random_seed(0)
    a, inner_input, outer_input = k.Input((4,), name="a"), k.Input((4,)), k.Input((4,))
    inner = k.Model(inner_input, k.layers.Dense(4, activation="relu", name="dense")(inner_input),
                    name="inner")
    outer = k.Model(outer_input, inner(outer_input), name="outer")
    model = k.Model(a, k.layers.Concatenate()([outer(a), inner(a)]))
    path = _save(model, tmp_path / "model.h5")
    result = tfjs.convert(path, tmp_path / "layers", "--input_format=keras", check=False)
    assert result.returncode == 1 and not (tmp_path / "layers").exists()
    assert result.stderr == (
        "tfjs_converter: error: TensorFlow.js 4.22 cannot load this layers model: weight "
        "'dense/kernel' is in both 'outer' and 'inner' (a layer or model used inside a nested "
        "model and outside it); convert to a graph model (--output_format=tfjs_graph_model)\n")
    tfjs.convert(path, tmp_path / "graph", "--input_format=keras",
                 "--output_format=tfjs_graph_model")
    inputs = seeded_inputs(model)
    (key, output), = tfjs.run(tmp_path / "graph", inputs)["outputs"].items()
    tfjs.assert_matches(tfjs.as_array(output), model.predict(inputs["a"], verbose=0), key)


def test_quantised_layers_model(tmp_path):
    k = keras_module("keras3")
    k.utils.set_random_seed(0)
    model = _conv(k)
    path = _save(model, tmp_path / "model.keras")
    actual, expected, key, _ = _predict_both(model, path, tmp_path, "--input_format=keras_keras",
                                          "--quantize_float16")
    np.testing.assert_allclose(actual, expected, atol=1e-2, err_msg=key)
    weights = json.loads((tmp_path / "web" / "model.json").read_text())["weightsManifest"]
    assert all(w.get("quantization", {}).get("dtype") == "float16"
               for group in weights for w in group["weights"] if w["dtype"] == "float32")


def test_keras3_mobilenet_keras_file_to_layers_model(tmp_path):
    from models import mobilenet_saved_model  # pylint: disable=import-outside-toplevel
    model = mobilenet_saved_model.build(seed=0)
    path = _save(model, tmp_path / "mobilenet.keras")
    actual, expected, key, _ = _predict_both(model, path, tmp_path, "--input_format=keras_keras")
    tfjs.assert_matches(actual, expected, key)


def test_layer_tfjs_lacks_is_listed_and_nothing_written(tmp_path):
    k = keras_module("keras3")
    model = k.Sequential([k.Input((4, 4, 4)), k.layers.GroupNormalization(2, name="groups"),
                          k.layers.Flatten()])
    path = _save(model, tmp_path / "model.keras")
    result = tfjs.convert(path, tmp_path / "out", "--input_format=keras_keras", check=False)
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    assert result.stderr.strip() == (
        "tfjs_converter: error: layers TensorFlow.js 4.22 lacks: GroupNormalization ('groups')")


def test_layer_setting_tfjs_refuses_is_an_error(tmp_path):
    k = keras_module("keras3")
    model = k.Sequential([k.Input((3, 2)), k.layers.GRU(4, name="recurrent")])
    path = _save(model, tmp_path / "model.keras")
    result = tfjs.convert(path, tmp_path / "out", "--input_format=keras_keras", check=False)
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    assert result.stderr.strip() == (
        "tfjs_converter: error: GRU 'recurrent': TensorFlow.js 4.22 does not support "
        "reset_after=True; build it with reset_after=False, or convert to a graph model")


def test_checked_in_class_list_matches_installed_tfjs(tmp_path):
    listed = tmp_path / "classes.json"
    subprocess.run(["node", str(tfjs.JS_DIR / "list_tfjs_classes.js"), str(listed)], check=True,
                   capture_output=True)
    with open(tfjs_translation._TFJS_CLASSES_FILE, encoding="utf-8") as f:  # pylint: disable=protected-access
        assert json.loads(listed.read_text()) == json.load(f)
    assert {"Dense", "LSTM", "DepthwiseConv2D", "GlorotUniform"} <= tfjs_translation.tfjs_classes()


@pytest.mark.parametrize("version,build,quantize", [
    ("keras3", _functional, ()), ("keras3", _sequence, ()), ("tf_keras", _conv, ()),
    ("keras3", _conv, ("--quantize_uint16",))])
def test_layers_model_input_to_graph_model(tmp_path, version, build, quantize):
    k = keras_module(version)
    k.utils.set_random_seed(0)
    model = build(k)
    path = _save(model, tmp_path / ("model.keras" if version == "keras3" else "model.h5"))
    tfjs.convert(path, tmp_path / "layers", "--input_format=" + (
        "keras_keras" if version == "keras3" else "keras"), *quantize)
    tfjs.convert(tmp_path / "layers" / "model.json", tmp_path / "graph",
                 "--input_format=tfjs_layers_model", "--output_format=tfjs_graph_model")
    inputs = seeded_inputs(model)
    expected = model.predict([inputs[t.name.split(":")[0]] for t in model.inputs], verbose=0)
    ran = tfjs.run(tmp_path / "graph", inputs)
    (key, output), = ran["outputs"].items()
    if quantize:
        np.testing.assert_allclose(tfjs.as_array(output), expected, atol=1e-3, err_msg=key)
    else:
        tfjs.assert_matches(tfjs.as_array(output), expected, key)
    assert json.loads((tmp_path / "graph" / "model.json").read_text())["format"] == "graph-model"
