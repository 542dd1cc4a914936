"""Keras files (.keras, .h5 from Keras 3 and tf_keras, tf_keras SavedModels) converted to graph
models by tracing the model's call; TF.js 4.22 gives Keras's predictions."""

import pytest
import tensorflow as tf

from tests.converter import tfjs
from tests.converter.keras_support import keras_module, seeded_inputs

GRAPH = "--output_format=tfjs_graph_model"


def _functional(k):
    """Two inputs, a shared Dense, a nested Sequential, a nested functional model called twice,
    Concatenate/Add, an LSTM."""
    a, b = k.Input((4,), name="a"), k.Input((5, 3), name="b")
    shared = k.layers.Dense(4, activation="relu", name="shared")
    nested = k.Sequential([k.Input((4,)), k.layers.Dense(4, activation="tanh")], name="nested")
    gate_input = k.Input((4,))
    gate = k.Model(gate_input, k.layers.Dense(4, activation="sigmoid")(gate_input), name="gate")
    sequence = k.layers.LSTM(4, name="lstm")(b)
    merged = k.layers.Concatenate()([shared(a), shared(nested(sequence))])
    gated = k.layers.Concatenate()([gate(shared(a)), gate(sequence)])
    out = k.layers.Dense(3, name="out")(k.layers.Add()([merged, gated]))
    return k.Model([a, b], out)


def _conv(k):
    """Conv/BN/pooling, with the regularizers, constraints and initializers configs carry."""
    return k.Sequential([
        k.Input((6, 6, 3), name="image"),
        k.layers.Conv2D(4, 3, kernel_regularizer=k.regularizers.l2(0.01),
                        kernel_constraint=k.constraints.MaxNorm(2.0),
                        bias_initializer=k.initializers.Constant(0.1)),
        k.layers.BatchNormalization(gamma_constraint=k.constraints.NonNeg()), k.layers.ReLU(),
        k.layers.DepthwiseConv2D(3, padding="same", depthwise_initializer="he_normal"),
        k.layers.MaxPooling2D(), k.layers.Dropout(0.5), k.layers.Flatten(),
        k.layers.Dense(3, name="scores", bias_regularizer=k.regularizers.l1(0.1),
                       activity_regularizer=k.regularizers.l1_l2(0.1, 0.2),
                       kernel_constraint=k.constraints.MinMaxNorm(0.0, 3.0))], name="conv")


def _sequence(k):
    """Embedding, GRU, pooling and dropout on token ids."""
    return k.Sequential([k.Input((6,), name="tokens"), k.layers.Embedding(20, 4),
                         # TF.js's GRU layer has no reset_after=True (Keras's default).
                         k.layers.GRU(5, return_sequences=True, reset_after=False),
                         k.layers.Dropout(0.2),
                         k.layers.GlobalAveragePooling1D(), k.layers.Dense(2)], name="sequence")


@pytest.mark.parametrize("version,suffix,input_format", [
    ("keras3", ".keras", "keras_keras"), ("keras3", ".h5", "keras"), ("tf_keras", ".h5", "keras"),
    ("tf_keras", "", "keras_saved_model")])
@pytest.mark.parametrize("build", [_functional, _conv, _sequence])
def test_keras_model_to_graph_model_matches_keras(tmp_path, version, suffix, input_format, build):
    k = keras_module(version)
    k.utils.set_random_seed(0)
    model = build(k)
    path = tmp_path / f"model{suffix}"
    if input_format == "keras_saved_model":
        tf.saved_model.save(model, str(path))
    else:
        model.save(str(path))
    inputs = seeded_inputs(model)
    expected = model.predict([inputs[t.name.split(":")[0]] for t in model.inputs], verbose=0)
    tfjs.convert(path, tmp_path / "web", f"--input_format={input_format}", GRAPH)
    ran = tfjs.run(tmp_path / "web", inputs)
    (key, output), = ran["outputs"].items()
    tfjs.assert_matches(tfjs.as_array(output), expected, key)


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    import keras  # pylint: disable=import-outside-toplevel
    path = tmp_path_factory.mktemp("k") / "model.keras"
    _conv(keras).save(str(path))
    return path


@pytest.mark.parametrize("flags,message", [
    (("--input_format=keras", GRAPH), "is not an HDF5 (.h5) file"),
    (("--input_format=keras_keras", "--output_format=tfjs_bogus"),
     "--output_format=tfjs_bogus is not supported for --input_format=keras_keras; use one of: "
     "tfjs_graph_model, tfjs_layers_model"),
])
def test_keras_input_errors(keras_file, tmp_path, flags, message):
    result = tfjs.convert(keras_file, tmp_path / "out", *flags, check=False)
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    (line,) = result.stderr.splitlines()
    assert message in line, line


def test_custom_layer_is_a_clear_error(tmp_path):
    import keras  # pylint: disable=import-outside-toplevel

    @keras.saving.register_keras_serializable(package="test")
    class Doubling(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    model = keras.Sequential([keras.Input((3,)), Doubling(name="doubling")])
    model.save(str(tmp_path / "custom.keras"))
    result = tfjs.convert(tmp_path / "custom.keras", tmp_path / "out",
                          "--input_format=keras_keras", GRAPH, check=False)
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    (line,) = result.stderr.splitlines()
    assert line.startswith("tfjs_converter: error: ") and line.endswith(
        "uses layers that are not Keras's own, which cannot be rebuilt without their code: "
        "Doubling ('doubling')"), line
