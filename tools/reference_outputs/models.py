"""A source model run by TensorFlow's own loaders, as the converter's input formats name it.

SavedModels and TF-Hub directories go through ``tf.saved_model.load`` and the signature,
frozen graphs through a session, Keras files through Keras, TF.js layers models through the
tf_keras model they describe. Nothing here shares the converter's readers or freezing, so a
mistake there shows as a difference from these outputs.
"""

import os
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

import numpy as np

from tools.converter.readers import hub_reader, keras_reader, layers_model_reader
from tools.converter.errors import ConversionError, one_line
from tools.reference_outputs.inputs import Specs

# (input specs, run(inputs) -> {output name: array})
Runnable = Tuple[Specs, Callable[[Mapping[str, np.ndarray]], Dict[str, np.ndarray]]]
_KERAS_FORMATS = ("keras", "keras_keras", "keras_saved_model")


def _dims(shape) -> List:
    return None if shape.rank is None else list(shape.as_list())


def _signature(tf, path, tags, name, fallbacks):
    try:
        loaded = tf.saved_model.load(path, tags=list(tags) if tags is not None else None)
    except (OSError, ValueError, RuntimeError) as e:
        raise ConversionError(f"TensorFlow cannot load {path}: {one_line(e)}") from e
    signatures = dict(loaded.signatures)
    for candidate in [name] + list(fallbacks):
        if candidate in signatures:
            return loaded, signatures[candidate]
    if fallbacks and len(signatures) == 1:
        return loaded, next(iter(signatures.values()))
    raise ConversionError(f"signature {name!r} does not exist; available signatures: "
                          f"{', '.join(sorted(signatures)) or 'none'}")


def _saved_model(tf, path, tags, name, fallbacks) -> Runnable:
    loaded, function = _signature(tf, path, tags, name, fallbacks)
    specs = {key: (np.dtype(spec.dtype.as_numpy_dtype), _dims(spec.shape))
             for key, spec in function.structured_input_signature[1].items()}

    def run(inputs, _owner=loaded):  # the signature's variables belong to the loaded object
        return {k: v.numpy() for k, v in function(**{k: tf.constant(v) for k, v in inputs.items()}).items()}

    return specs, run


def _frozen_graph(tf, path, output_node_names) -> Runnable:
    graph_def = tf.compat.v1.GraphDef()
    with open(path, "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    specs = {op.name: (np.dtype(op.outputs[0].dtype.as_numpy_dtype), _dims(op.outputs[0].shape))
             for op in graph.get_operations() if op.type == "Placeholder"}

    def run(inputs):
        with tf.compat.v1.Session(graph=graph) as session:
            values = session.run([f"{n}:0" for n in output_node_names],
                                 {f"{k}:0": v for k, v in inputs.items()})
        return dict(zip(output_node_names, values))

    return specs, run


def _keras(model) -> Runnable:
    names = [t.name.split(":")[0] for t in model.inputs]  # tf_keras tensors carry ':0'
    specs = {name: (np.dtype(t.dtype if isinstance(t.dtype, str) else t.dtype.name),
                    list(t.shape)) for name, t in zip(names, model.inputs)}
    outputs = keras_reader.output_names(model)

    def run(inputs):
        ordered = [inputs[name] for name in names]
        values = model.predict(ordered if len(ordered) > 1 else ordered[0], verbose=0)
        values = values if isinstance(values, (list, tuple)) else [values]
        return {name: np.asarray(v) for name, v in zip(outputs, values)}

    return specs, run


def load(tf, path: str, input_format: str, signature_name: str, tags: Sequence[str],
         output_node_names: Sequence[str]) -> Runnable:
    """The inputs and the run function of the model at ``path`` (see the converter's flags)."""
    if not os.path.exists(path):
        raise ConversionError(f"{path} is missing")
    if input_format == "tf_frozen_model":
        if not output_node_names:
            raise ConversionError("a frozen graph needs --output_node_names")
        return _frozen_graph(tf, path, output_node_names)
    if input_format in _KERAS_FORMATS:
        return _keras(keras_reader.load_model(path, input_format))
    if input_format == "tfjs_layers_model":
        return _keras(layers_model_reader.load(path))
    if input_format == "tf_hub":
        path = hub_reader.local_path(path)
        tf1_module = os.path.isfile(os.path.join(path, "tfhub_module.pb"))
        default_tags = () if tf1_module else ("serve",)
        return _saved_model(tf, path, tags or default_tags, signature_name or "default",
                            () if signature_name else ("serving_default",))
    return _saved_model(tf, path, tags or ("serve",), signature_name or "serving_default", ())
