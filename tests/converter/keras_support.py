"""Keras helpers shared by the Keras tests and the layer sweep."""

import numpy as np


def keras_module(version):
    """``keras`` (Keras 3) for "keras3", else ``tf_keras``."""
    if version == "keras3":
        import keras  # pylint: disable=import-outside-toplevel
        return keras
    import tf_keras  # pylint: disable=import-outside-toplevel
    return tf_keras


def seeded_inputs(model, rng=None):
    """A batch of two inputs for ``model``, {input name: array}: token ids (0 to 19) for an input
    named "tokens", else standard normal values."""
    rng = rng or np.random.default_rng(1)
    inputs = {}
    for tensor in model.inputs:
        name, shape = tensor.name.split(":")[0], (2, *tensor.shape[1:])
        inputs[name] = (rng.integers(0, 20, shape) if name == "tokens"
                        else rng.standard_normal(shape)).astype("float32")
    return inputs
