"""Reads a Keras model (.h5 from tf_keras or Keras 3, .keras) by tracing its call.

The model's call is traced straight into a concrete function (no temporary SavedModel round trip,
which costs the reference converter most of its 19.5 s on MobileNetV2), frozen by TensorFlow's
converter or, for a model past --stream_weights_min_bytes, left with its captured variables for
the freezer to read one at a time, as a SavedModel's. Nothing is fetched: Keras files carry their
weights.
"""

import collections.abc
import os

from tensorflow.python.framework import convert_to_constants

from tools.converter.readers import input_files, keras_files, trace_names
from tools.converter.writers import layers_model
from tools.converter.errors import ConversionError, one_line
from tools.converter.readers.graph_source import GraphSource, TensorSpec

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
    input_files.require(path, "the INPUT path")
    if input_format == "keras_saved_model":
        keras_files.check_saved_model(path)
        import tf_keras  # pylint: disable=import-outside-toplevel
        try:
            return tf_keras.models.load_model(path, compile=False)
        except (ValueError, OSError, KeyError) as e:
            raise ConversionError(f"tf_keras cannot load {path}: {one_line(e)}") from e
    if os.path.isdir(path):
        raise input_files.wrong_format(path, "a Keras file", "it is a directory (a tf_keras "
                                       "SavedModel? use --input_format=keras_saved_model)")
    if input_format == "keras":
        major, config = keras_files.read_h5(path)
    else:
        major, config = "3", keras_files.read_keras_zip(path)
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


def trace(model, stream_min_bytes: int) -> GraphSource:
    """Traces ``model``'s inference call into a GraphDef keyed by its input/output names: frozen
    by TensorFlow's converter, or, when the weights total ``stream_min_bytes`` or more, with its
    variables left for the freezer to read one at a time (no GraphDef holds them all)."""
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
    captured = CapturedValues(function)
    streamed = captured.nbytes() >= stream_min_bytes
    if streamed:
        graph_def = function.graph.as_graph_def()
    else:
        function, graph_def = convert_to_constants.convert_variables_to_constants_v2_as_graph(
            function, lower_control_flow=False)
    renames = trace_names.renumber_captures(graph_def, list(captured))
    trace_names.renumber_functions(graph_def)
    trace_names.renumber_redundant_placeholders(graph_def)
    # The function's outputs are the dict's values, flattened in tf.nest's key order.
    keys = tf.nest.flatten({name: name for name in outputs_named})
    return GraphSource(
        graph_def=graph_def,
        inputs={name: TensorSpec(t.name, t.dtype.as_datatype_enum, t.shape.as_proto())
                for name, t in zip(names, function.inputs)},
        outputs={name: TensorSpec(t.name, t.dtype.as_datatype_enum, t.shape.as_proto())
                 for name, t in zip(keys, function.outputs)},
        variable_values=CapturedValues(function, renames) if streamed else {},
        tf_version=tf.__version__)


class CapturedValues(collections.abc.Mapping):
    """{captured placeholder name: value} of a concrete function: its variables' values, each
    read from the variable when asked for (and not kept), and its captured constants. ``renames``
    ({old: new}) gives placeholders the names trace_names gave them in the GraphDef."""

    def __init__(self, function, renames=None):
        by_handle = {id(v.handle): v for v in function.graph.variables}
        renames = renames or {}
        self._captures = {}
        for external, internal in function.graph.captures:
            name = internal.op.name
            self._captures[renames.get(name, name)] = by_handle.get(id(external), external)

    def __getitem__(self, name):
        return self._captures[name].numpy()

    def __iter__(self):
        return iter(sorted(self._captures))

    def __len__(self):
        return len(self._captures)

    def nbytes(self) -> int:
        """The bytes of the values (nothing is read)."""
        return sum(c.shape.num_elements() * c.dtype.size for c in self._captures.values()
                   if c.dtype.is_numpy_compatible)
