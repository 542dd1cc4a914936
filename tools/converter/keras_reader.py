"""Reads a Keras model (.h5 from tf_keras or Keras 3, .keras) by tracing its call.

The model's call is traced straight into a concrete function and frozen (no temporary SavedModel
round trip, which costs the reference converter most of its 19.5 s on MobileNetV2). Nothing is
fetched: Keras files carry their weights.
"""

import json
import os
import zipfile

from tensorflow.python.framework import convert_to_constants

from tools.converter import layers_model
from tools.converter.errors import ConversionError, one_line
from tools.converter.graph_source import GraphSource, TensorSpec

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"


def _keras_major_version(path):
    import h5py  # pylint: disable=import-outside-toplevel
    with h5py.File(path, "r") as f:
        version = f.attrs.get("keras_version", "")
    return (version.decode() if isinstance(version, bytes) else str(version)).split(".")[0]


def _model_config(path, input_format):
    """The model's config as saved (a dict), read without rebuilding the model."""
    if input_format == "keras_keras":
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    import h5py  # pylint: disable=import-outside-toplevel
    with h5py.File(path, "r") as f:
        config = f.attrs.get("model_config")
    return json.loads(config) if config is not None else {}


def custom_layers(config, known_classes):
    """The (class, name) of layers that are not Keras's own, in config order."""
    found = []
    for obj in layers_model.config_objects(config):
        settings = obj.get("config")
        # Layers (and models) have a name; initializers, dtype policies and tensors do not.
        if not isinstance(settings, dict) or "name" not in settings:
            continue
        module, entry = obj.get("module") or "", (obj["class_name"], settings["name"])
        builtin = module.startswith("keras") if module else entry[0] in known_classes
        if not builtin and entry not in found:
            found.append(entry)
    return found


def keras_of(model):
    """The Keras package that made ``model``: ``keras`` (Keras 3) or ``tf_keras``."""
    if type(model).__module__.startswith("keras."):
        import keras  # pylint: disable=import-outside-toplevel
        return keras
    import tf_keras  # pylint: disable=import-outside-toplevel
    return tf_keras


def load_model(path: str, input_format: str):
    """Loads the Keras model at ``path`` with the Keras that wrote it (tf_keras or Keras 3)."""
    if not os.path.exists(path):
        raise ConversionError(f"input path does not exist: {path}")
    if input_format == "keras_saved_model":
        import tf_keras  # pylint: disable=import-outside-toplevel
        try:
            return tf_keras.models.load_model(path, compile=False)
        except (ValueError, OSError, KeyError) as e:
            raise ConversionError(f"tf_keras cannot load {path}: {one_line(e)}") from e
    if os.path.isdir(path):
        raise ConversionError(f"{path} is a directory; --input_format={input_format} takes a "
                              "Keras file (--input_format=keras_saved_model takes a directory)")
    with open(path, "rb") as f:
        magic = f.read(8)
    expected = _HDF5_SIGNATURE if input_format == "keras" else _ZIP_SIGNATURE
    if not magic.startswith(expected):
        kind = "an HDF5 (.h5)" if input_format == "keras" else "a Keras 3 (.keras zip)"
        raise ConversionError(f"{path} is not {kind} file")
    try:
        major = _keras_major_version(path) if input_format == "keras" else "3"
        config = _model_config(path, input_format)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        kind = "HDF5 (.h5)" if input_format == "keras" else "Keras 3 (.keras zip)"
        raise ConversionError(f"{path} is a damaged {kind} file (truncated or corrupted): "
                              f"{one_line(e)}") from e
    if major != "3":
        import tf_keras as keras  # pylint: disable=import-outside-toplevel
    else:
        import keras  # pylint: disable=import-outside-toplevel
    known = set(dir(keras.layers)) | set(dir(keras.models)) | {"Functional"}
    custom = custom_layers(config, known)
    if custom:
        raise ConversionError(
            f"{path} uses layers that are not Keras's own, which cannot be rebuilt without their "
            "code: " + ", ".join(f"{cls} ({name!r})" for cls, name in custom))
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, TypeError, OSError, KeyError) as e:
        raise ConversionError(f"Keras cannot load {path}: {one_line(e)}") from e


def output_names(model):
    """The model's output names: its output layers' names, made unique as tf_keras does
    (``lstm``, ``lstm_1``, ``lstm_2`` for an LSTM's output and states), for both Kerases."""
    names = []
    for tensor in model.outputs:
        base = tensor._keras_history[0].name  # pylint: disable=protected-access
        name, number = base, 0
        while name in names:
            number += 1
            name = f"{base}_{number}"
        names.append(name)
    return names


def trace(model) -> GraphSource:
    """Traces ``model``'s inference call into a frozen GraphDef keyed by its input/output names."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    inputs = list(model.inputs)
    names = [t.name.split(":")[0] for t in inputs]  # tf_keras tensors carry ':0'
    specs = [tf.TensorSpec(t.shape, t.dtype, name=name) for t, name in zip(inputs, names)]
    outputs_named = output_names(model)

    def call(*tensors):
        outputs = model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return {name: tf.identity(t) for name, t in zip(outputs_named, outputs)}

    function = tf.function(call).get_concrete_function(*specs)
    frozen, graph_def = convert_to_constants.convert_variables_to_constants_v2_as_graph(
        function, lower_control_flow=False)
    # The frozen function's outputs are the dict's values, flattened in tf.nest's key order.
    keys = tf.nest.flatten({name: name for name in outputs_named})
    return GraphSource(
        graph_def=graph_def,
        inputs={name: TensorSpec(t.name, t.dtype.as_datatype_enum, t.shape.as_proto())
                for name, t in zip(names, frozen.inputs)},
        outputs={name: TensorSpec(t.name, t.dtype.as_datatype_enum, t.shape.as_proto())
                 for name, t in zip(keys, frozen.outputs)},
        variable_values={},
        tf_version=tf.__version__)
