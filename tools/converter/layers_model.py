"""Keras models as TF.js layers models: the model config in the Keras 2 form TF.js 4.22 reads,
and the weights named as TF.js matches them (``<layer>/<weight>``).

Keras 3 writes configs TF.js cannot read (``batch_shape``, dtype-policy objects,
``module``/``registered_name`` fields, call-argument inbound nodes); they are translated, and
so are the ``L1``/``L2`` regularizers both Keras versions write.
Layers TF.js lacks fail the conversion, listed, before anything is written.
"""

import json
import os

import numpy as np
from absl import logging

from tools.converter.errors import ConversionError
from tools.converter.weights import to_tfjs_dtype

FORMAT = "layers-model"
_TFJS_CLASSES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_layers.json")
# Config values TF.js 4.22 refuses at load time: (class, key, value) -> what to do instead.
_UNSUPPORTED_SETTINGS = {
    ("GRU", "reset_after", True): "build it with reset_after=False, or convert to a graph model",
}
# Keras 3 renamed some weights; TF.js uses the Keras 2 names.
_KERAS3_WEIGHT_NAMES = {("DepthwiseConv2D", "kernel"): "depthwise_kernel"}


def tfjs_classes():
    """The Keras class names TF.js 4.22 can deserialise (layers, initializers, ...)."""
    with open(_TFJS_CLASSES_FILE, encoding="utf-8") as f:
        return frozenset(json.load(f)["classes"])


def _tensor_ref(tensor):
    layer, node_index, tensor_index = tensor["config"]["keras_history"]
    return [layer, node_index, tensor_index, {}]


def _keras_tensors(value):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value]
        return [t for v in value.values() for t in _keras_tensors(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _keras_tensors(v)]
    return []


def _inbound_nodes(nodes):
    """Keras 3 call records ({"args", "kwargs"}) as Keras 2 node lists."""
    return [[_tensor_ref(t) for t in _keras_tensors(node.get("args", []))]
            if isinstance(node, dict) else node for node in nodes]


def _io_layers(value):
    """Keras 3 writes a single input/output as [name, 0, 0], Keras 2 as [[name, 0, 0]]."""
    return [value] if value and isinstance(value[0], str) else value


_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def _count_nested_models_own_node(functional_config):
    """Keras 2 (and TF.js) give a nested model an inbound node of its own (node 0) before the
    calls in the outer model; Keras 3 does not. References to a nested model's outputs shift
    by one."""
    models = {layer["name"] for layer in functional_config.get("layers", [])
              if layer["class_name"] in _MODEL_CLASSES}
    references = [r for layer in functional_config.get("layers", [])
                  for node in layer.get("inbound_nodes", []) for r in node]
    references += functional_config.get("output_layers", [])
    for reference in references:
        if reference[0] in models:
            reference[1] += 1


def keras3_to_keras2(value, key=None):
    """Translates a Keras 3 config (any part of one) into the Keras 2 form TF.js reads."""
    if isinstance(value, (list, tuple)):
        return [keras3_to_keras2(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and key == "dtype":
        return value["config"]["name"]
    result = {}
    for k, v in value.items():
        if k in ("module", "registered_name", "build_config", "compile_config"):
            continue
        if k == "inbound_nodes":
            result[k] = _inbound_nodes(v)
        elif k in ("input_layers", "output_layers"):
            result[k] = _io_layers(v)
        elif k == "batch_shape":
            result["batch_input_shape"] = v
        else:
            result[k] = keras3_to_keras2(v, k)
    if result.get("class_name") in ("Functional", "Model"):
        _count_nested_models_own_node(result["config"])
    return result


def config_objects(config):
    """Every serialised object ({"class_name", "config", ...}) nested in a Keras config."""
    if isinstance(config, dict):
        if "class_name" in config:
            yield config
        for value in config.values():
            yield from config_objects(value)
    elif isinstance(config, (list, tuple)):
        for value in config:
            yield from config_objects(value)


def _settings_of(obj):
    return obj["config"] if isinstance(obj.get("config"), dict) else {}


def check_supported(model_config):
    """Raises ConversionError listing every class TF.js cannot deserialise (with its layer), or
    else the first layer setting TF.js refuses."""
    known = tfjs_classes()
    objects = list(config_objects(model_config))
    missing = []
    for obj in objects:
        entry = (obj["class_name"], _settings_of(obj).get("name", ""))
        if entry[0] not in known and entry not in missing:
            missing.append(entry)
    if missing:
        raise ConversionError("layers TensorFlow.js 4.22 lacks: " + ", ".join(
            f"{cls} ({name!r})" if name else cls for cls, name in missing))
    for obj in objects:
        settings = _settings_of(obj)
        for (cls, key, value), advice in _UNSUPPORTED_SETTINGS.items():
            if obj["class_name"] == cls and settings.get(key) == value:
                raise ConversionError(f"{cls} {settings.get('name', '')!r}: TensorFlow.js 4.22 "
                                      f"does not support {key}={value}; {advice}")


def _regularizers_as_l1l2(config):
    """TF.js 4.22 only knows ``L1L2``; Keras (2 and 3) writes ``L1`` and ``L2`` on their own."""
    for obj in config_objects(config):
        if obj["class_name"] in ("L1", "L2"):
            settings = obj["config"]
            obj["class_name"] = "L1L2"
            obj["config"] = {"l1": settings.get("l1", 0.0), "l2": settings.get("l2", 0.0)}


def _drop_activity_regularizers(config):
    """TF.js 4.22 cannot build a layer that has an activity regularizer (NotImplementedError at
    load). It only adds a training loss, so it is dropped, with a warning."""
    for obj in config_objects(config):
        settings = _settings_of(obj)
        if settings.get("activity_regularizer") is not None:
            settings["activity_regularizer"] = None
            logging.warning("layer %r: activity regularizer dropped; TensorFlow.js 4.22 cannot "
                            "load layers that have one (predictions are unaffected)",
                            settings.get("name", obj["class_name"]))


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.weights:  # a nested model
            yield from _leaf_layers(layer)
        else:
            yield layer


def _weight_name(layer, variable, keras3):
    base = variable.name.split("/")[-1].split(":")[0]
    if keras3:
        base = _KERAS3_WEIGHT_NAMES.get((type(layer).__name__, base), base)
    return f"{layer.name}/{base}"


def weight_names(model, keras3: bool):
    """(variable, TF.js weight name) for every weight of ``model``, shared layers once."""
    found, seen = [], set()
    for layer in _leaf_layers(model):
        for variable in layer.weights:
            name = _weight_name(layer, variable, keras3)
            if name not in seen:
                seen.add(name)
                found.append((variable, name))
    return found


def check_weights_reach_tfjs_once(model, keras3: bool):
    """TF.js collects a layers model's weights from each top-level layer (a nested model gives all
    of its own) and refuses a weight it meets twice: a layer or model used both inside a nested
    model and outside it. Raises ConversionError naming the weight and both routes."""
    route = {}
    for layer in model.layers:
        for leaf in _leaf_layers(layer) if hasattr(layer, "layers") else [layer]:
            for variable in leaf.weights:
                name = _weight_name(leaf, variable, keras3)
                if route.setdefault(name, layer.name) != layer.name:
                    raise ConversionError(
                        f"TensorFlow.js 4.22 cannot load this layers model: weight {name!r} is "
                        f"in both {route[name]!r} and {layer.name!r} (a layer or model used "
                        "inside a nested model and outside it); convert to a graph model "
                        "(--output_format=tfjs_graph_model)")


def _warn_of_constraint_violations(named_variables):
    """TF.js applies a weight's constraint when it loads the weight; a weight that does not meet
    its constraint (e.g. an untrained one) would then predict differently, so say so."""
    for variable, name in named_variables:
        constraint = getattr(variable, "constraint", None)
        if constraint is None:
            continue
        value = variable.numpy()
        if not np.allclose(np.asarray(constraint(variable)), value, rtol=1e-6, atol=1e-7):
            logging.warning("weight %r does not meet its %s constraint; TensorFlow.js applies it "
                            "on load, so its predictions will differ", name,
                            type(constraint).__name__)


def convert(model, keras3: bool, keras_version: str):
    """Returns (modelTopology, [Weight]) for ``model`` (tf_keras, or Keras 3 if ``keras3``)."""
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    if keras3:
        config = keras3_to_keras2(config)
    if config["class_name"] == "Model":
        config["class_name"] = "Functional"
    _regularizers_as_l1l2(config)
    _drop_activity_regularizers(config)
    check_supported(config)
    named_variables = weight_names(model, keras3)
    check_weights_reach_tfjs_once(model, keras3)
    _warn_of_constraint_violations(named_variables)
    weights = [to_tfjs_dtype(name, variable.numpy()) for variable, name in named_variables]
    topology = {"keras_version": keras_version, "backend": "tensorflow", "model_config": config}
    return topology, weights
