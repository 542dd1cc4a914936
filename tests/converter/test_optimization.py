"""Graph optimisation: each fusion and rewrite appears in the converted graph (with no leftover
pieces) and TF.js 4.22 still gives TensorFlow's numbers; a Keras 3 MobileNetV2 and its tf_keras
twin convert to the same fused graph."""

import base64
import collections
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from models import mobilenet_saved_model
from tests.converter import tfjs
from tools.converter.legalize import op_rewrites

STRUCTURAL = {"Const", "Placeholder", "Identity"}


def _graph(directory):
    return json.loads((directory / "model.json").read_text())["modelTopology"]


def _ops(directory):
    return collections.Counter(n["op"] for n in _graph(directory)["node"])


def _fused_ops(directory):
    return sorted([base64.b64decode(s).decode() for s in n["attr"]["fused_ops"]["list"]["s"]]
                  for n in _graph(directory)["node"] if "fused_ops" in n.get("attr", {}))


def _convert_and_compare(saved_model, inputs, expected, out, *flags, backend="cpu"):
    tfjs.convert(saved_model, out, *flags)
    ran = tfjs.run(out, inputs, outputs=sorted(expected), backend=backend)
    for key, value in expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"][key]), np.asarray(value), key)


def _keras_case(tmp_path, name, layers, input_shape, seed=0):
    """Exports a Keras 3 model made of ``layers`` (random, non-zero biases and BN statistics)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(input_shape, name="x"), *layers])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.get_weights()])
    path = tmp_path / name
    model.export(str(path), verbose=False)
    x = rng.standard_normal((2, *input_shape)).astype("float32")
    (key, value), = tf.saved_model.load(str(path)).signatures["serving_default"](x=x).items()
    return path, {"x": x}, {key: value.numpy()}


@pytest.mark.parametrize("activation,fused", [
    ("relu", "Relu"), ("relu6", "Relu6"), ("elu", "Elu"), ("sigmoid", "Sigmoid"),
    (keras.layers.LeakyReLU(negative_slope=0.2), "LeakyRelu")])
def test_dense_bias_activation_becomes_one_fused_matmul(tmp_path, activation, fused):
    layers = [keras.layers.Dense(6)]
    layers.append(activation if isinstance(activation, keras.layers.Layer)
                  else keras.layers.Activation(activation))
    path, inputs, expected = _keras_case(tmp_path, "dense", layers, (5,))
    _convert_and_compare(path, inputs, expected, tmp_path / "web")
    assert _fused_ops(tmp_path / "web") == [["BiasAdd", fused]]
    assert set(_ops(tmp_path / "web")) == STRUCTURAL | {"_FusedMatMul"}


def test_keras3_depthwise_batch_norm_relu6_becomes_fused_depthwise(tmp_path):
    path, inputs, expected = _keras_case(tmp_path, "depthwise", [
        keras.layers.DepthwiseConv2D(3, use_bias=False), keras.layers.BatchNormalization(),
        keras.layers.ReLU(6.0)], (6, 6, 4))
    _convert_and_compare(path, inputs, expected, tmp_path / "web")
    assert _fused_ops(tmp_path / "web") == [["BiasAdd", "Relu6"]]
    assert set(_ops(tmp_path / "web")) == STRUCTURAL | {"FusedDepthwiseConv2dNative"}


def test_tf_keras_fused_batch_norm_folds_into_the_conv(tmp_path):
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.Input((6, 6, 3), name="x"),
                                 tf_keras.layers.Conv2D(4, 3, use_bias=False),
                                 tf_keras.layers.BatchNormalization(),
                                 tf_keras.layers.ReLU()])
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.get_weights()])
    tf.saved_model.save(model, str(tmp_path / "sm"))
    x = rng.standard_normal((2, 6, 6, 3)).astype("float32")
    (key, value), = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"](
        x=x).items()
    _convert_and_compare(tmp_path / "sm", {"x": x}, {key: value.numpy()}, tmp_path / "web")
    assert _fused_ops(tmp_path / "web") == [["BiasAdd", "Relu"]]
    assert set(_ops(tmp_path / "web")) == STRUCTURAL | {"_FusedConv2D"}


def test_prelu_joins_the_fused_conv_and_matmul(tmp_path):
    alpha = keras.initializers.RandomUniform(0.1, 0.5)
    path, inputs, expected = _keras_case(tmp_path, "prelu", [
        keras.layers.Conv2D(4, 3), keras.layers.PReLU(alpha_initializer=alpha),
        keras.layers.Flatten(), keras.layers.Dense(3),
        keras.layers.PReLU(alpha_initializer=alpha)], (6, 6, 3))
    _convert_and_compare(path, inputs, expected, tmp_path / "web")
    assert _fused_ops(tmp_path / "web") == [["BiasAdd", "Prelu"], ["BiasAdd", "Prelu"]]
    assert not set(_ops(tmp_path / "web")) & {"Relu", "Neg", "Mul", "AddV2", "Prelu"}


def _save_function(path, function, spec):
    tf.saved_model.save(tf.Module(), str(path), signatures={
        "serving_default": tf.function(function, input_signature=[spec])})
    return tf.saved_model.load(str(path)).signatures["serving_default"]


def test_exact_gelu_erfc_runs_as_one_minus_erf(tmp_path):
    signature = _save_function(tmp_path / "gelu", lambda x: {"y": tf.nn.gelu(x, approximate=False)},
                               tf.TensorSpec([None, 4], tf.float32, name="x"))
    x = np.linspace(-3, 3, 8, dtype="float32").reshape(2, 4)
    _convert_and_compare(tmp_path / "gelu", {"x": x}, {"y": signature(x=x)["y"].numpy()},
                         tmp_path / "web")
    assert "Erfc" not in _ops(tmp_path / "web") and "Erf" in _ops(tmp_path / "web")


@pytest.mark.parametrize("equation,a_shape,b_shape", [
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)),
    ("abc,cd->abd", (2, 3, 4), (4, 5)),
])
def test_einsum_runs_as_batch_matmul_on_wasm(tmp_path, equation, a_shape, b_shape):
    b = np.random.default_rng(1).standard_normal(b_shape).astype("float32")
    signature = _save_function(tmp_path / "einsum", lambda a: {"y": tf.einsum(equation, a, b)},
                               tf.TensorSpec(a_shape, tf.float32, name="a"))
    a = np.random.default_rng(2).standard_normal(a_shape).astype("float32")
    _convert_and_compare(tmp_path / "einsum", {"a": a}, {"y": signature(a=a)["y"].numpy()},
                         tmp_path / "web", backend="wasm")
    assert "Einsum" not in _ops(tmp_path / "web")


@pytest.mark.parametrize("equation,form", [
    ("ij,jk->ik", (False, False)), ("ji,jk->ik", (True, False)), ("ij,kj->ik", (False, True)),
    ("bij,bjk->bik", (False, False)), ("abc,cd->abd", (False, False)),
    ("ij,jk->ki", None), ("ii->i", None), ("ij,jk,kl->il", None), ("...ij,...jk->...ik", None)])
def test_einsum_matmul_forms(equation, form):
    assert op_rewrites.matmul_form(equation) == form


def test_strip_debug_ops(tmp_path):
    def checked(x):
        tf.debugging.assert_greater(tf.reduce_sum(tf.abs(x)) + 1.0, 0.0)
        return {"y": tf.debugging.check_numerics(x * 2.0, "x is not finite")}

    signature = _save_function(tmp_path / "debug", checked,
                               tf.TensorSpec([None, 3], tf.float32, name="x"))
    failed = tfjs.convert(tmp_path / "debug", tmp_path / "kept", check=False)
    assert failed.returncode == 1 and "Assert (node '" in failed.stderr
    assert "--strip_debug_ops removes debug ops" in failed.stderr
    x = np.arange(6, dtype="float32").reshape(2, 3)
    _convert_and_compare(tmp_path / "debug", {"x": x}, {"y": signature(x=x)["y"].numpy()},
                         tmp_path / "web", "--strip_debug_ops")
    assert not set(_ops(tmp_path / "web")) & {"Assert", "CheckNumerics"}


def _tf_keras_mobilenet(seed):
    """tf_keras's MobileNetV2 with the same kind of random weights as the Keras 3 demo model."""
    tf_keras.utils.set_random_seed(seed)
    model = tf_keras.applications.MobileNetV2(
        weights=None, input_tensor=tf_keras.Input((224, 224, 3), name="image"))
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, tf_keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                               rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 1.5, variance.shape)])
    return model


def test_keras3_and_tf_keras_mobilenet_convert_to_the_same_fused_graph(tmp_path):
    mobilenet_saved_model.build(seed=0).export(str(tmp_path / "keras3"), verbose=False)
    tf.saved_model.save(_tf_keras_mobilenet(seed=0), str(tmp_path / "tf_keras"))
    image = np.random.default_rng(0).uniform(-1, 1, (1, 224, 224, 3)).astype("float32")
    histograms = {}
    for name in ("keras3", "tf_keras"):
        signature = tf.saved_model.load(str(tmp_path / name)).signatures["serving_default"]
        (key, value), = signature(image=tf.constant(image)).items()
        _convert_and_compare(tmp_path / name, {"image": image}, {key: value.numpy()},
                             tmp_path / f"{name}_web")
        histograms[name] = _ops(tmp_path / f"{name}_web")
    assert histograms["keras3"] == histograms["tf_keras"]
    assert histograms["keras3"]["_FusedConv2D"] == 35
    assert histograms["keras3"]["FusedDepthwiseConv2dNative"] == 17
    assert not set(histograms["keras3"]) & {"Conv2D", "DepthwiseConv2dNative", "Mul", "BiasAdd",
                                            "FusedBatchNormV3", "AddN", "Relu6"}
