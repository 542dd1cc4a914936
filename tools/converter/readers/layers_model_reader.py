"""Reads a TF.js layers model (model.json + shards) back into a Keras model (tf_keras, which
reads the Keras 2 configs TF.js uses), so it can be traced into a graph model."""

import inspect
import json
import os

from tools.converter.readers import input_files
from tools.converter.writers import weights
from tools.converter.errors import ConversionError, one_line
from tools.converter.writers.layers_model import MODEL_CLASSES, weight_names


# Arguments tf_keras's base Layer takes through **kwargs.
_LAYER_KWARGS = {"input_dim", "input_shape", "batch_input_shape", "batch_size", "weights",
                 "activity_regularizer", "autocast", "implementation", "dtype", "name",
                 "trainable", "dynamic"}


def _keras2_class(tf_keras, class_name):
    for module in (tf_keras.layers, tf_keras.initializers, tf_keras.regularizers,
                   tf_keras.constraints):
        if hasattr(module, class_name):
            return getattr(module, class_name)
    return None


def _only_known_arguments(tf_keras, value):
    """Drops config arguments tf_keras does not take (a Keras 3 model's, e.g. ``lora_rank``),
    which TF.js ignores but tf_keras refuses."""
    if isinstance(value, list):
        return [_only_known_arguments(tf_keras, v) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: _only_known_arguments(tf_keras, v) for k, v in value.items()}
    cls = _keras2_class(tf_keras, value.get("class_name", ""))
    if cls is not None and value["class_name"] not in MODEL_CLASSES and isinstance(
            value.get("config"), dict):
        parameters = inspect.signature(cls.__init__).parameters
        allowed = set(parameters)
        if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            allowed |= _LAYER_KWARGS
        value["config"] = {k: v for k, v in value["config"].items() if k in allowed}
    return value


def _read_model_json(path):
    input_files.require(path, "the model.json of the TF.js layers model to read")
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except ValueError as e:
        kind = input_files.signature_kind(path)
        if kind:
            raise input_files.wrong_format(path, "a TF.js model.json", f"it is {kind}") from e
        raise input_files.damaged(path, f"it is not JSON: {one_line(e)}") from e
    except OSError as e:
        raise ConversionError(f"cannot read {path}: {e.strerror}") from e
    model_format = document.get("format") if isinstance(document, dict) else None
    if model_format != "layers-model":
        raise input_files.wrong_format(path, "a TF.js layers model",
                                       f"its format is {model_format!r}, not 'layers-model'")
    return document


def load(path: str):
    """Returns the tf_keras model that ``path`` (a layers-model model.json) describes."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.json")
    document = _read_model_json(path)
    import tf_keras  # pylint: disable=import-outside-toplevel
    try:
        config = _only_known_arguments(tf_keras, document["modelTopology"]["model_config"])
        model = tf_keras.models.model_from_json(json.dumps(config))
    except (ValueError, TypeError, KeyError) as e:
        raise ConversionError(
            f"tf_keras cannot rebuild the model of {path}: {one_line(e)}") from e
    values = weights.read_manifest(document.get("weightsManifest", []), os.path.dirname(path))
    for variable, name in weight_names(model, keras3=False):
        if name not in values:
            raise ConversionError(f"{path} has no weight {name!r}")
        variable.assign(values[name])
    return model
