"""Keras models as TF.js layers models: the model config in the Keras 2 form TF.js reads,
and the weights named as TF.js matches them (``<layer>/<weight>``).

Keras 3 writes configs TF.js cannot read (``batch_shape``, dtype-policy objects,
``module``/``registered_name`` fields, call-argument inbound nodes); they are translated. Names
that differ between Keras and TF.js are translated by the table in keras_to_tfjs.json
(tfjs_translation.py). Layers TF.js lacks, and settings it cannot honour, fail the conversion
before anything is written.
"""

import numpy as np
from absl import logging
from tensorflow.python.framework import dtypes as tf_dtypes

from tools.converter import version
from tools.converter.errors import ConversionError
from tools.converter.writers.tfjs_translation import (check_settings, config_objects, settings_of,
                                              table, tfjs_classes, translate)
from tools.converter.writers.weights import LazyWeight

FORMAT = "layers-model"


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


# Classes of nested models in a layers config.
MODEL_CLASSES = ("Sequential", "Functional", "Model")


def _count_nested_models_own_node(functional_config):
    """Keras 2 (and TF.js) give a nested model an inbound node of its own (node 0) before the
    calls in the outer model; Keras 3 does not. References to a nested model's outputs shift
    by one."""
    models = {layer["name"] for layer in functional_config.get("layers", [])
              if layer["class_name"] in MODEL_CLASSES}
    references = [r for layer in functional_config.get("layers", [])
                  for node in layer.get("inbound_nodes", []) for r in node]
    references += functional_config.get("output_layers", [])
    for reference in references:
        if reference[0] in models:
            reference[1] += 1


def _bidirectional_as_keras2(config):
    """Keras 3 writes a Bidirectional's layer under its forward name ("forward_lstm") and always
    writes the backward layer; Keras 2 (and TF.js, which names its two layers "forward_" and
    "backward_" + the layer's name) has the layer's own name and a backward layer only when it is
    not the forward one run backwards."""
    forward, backward = config["layer"]["config"], config.get("backward_layer", {}).get("config")
    base = forward["name"].removeprefix("forward_")
    forward["name"] = base
    if backward is None:
        return
    mirror = {**forward, "name": f"backward_{base}", "go_backwards": not forward.get("go_backwards")}
    if config["backward_layer"]["class_name"] != config["layer"]["class_name"] or backward != mirror:
        raise ConversionError(f"Bidirectional {config.get('name', '')!r}: {version.TFJS} only "
                              "runs the forward layer backwards, not a backward layer of its own; "
                              "convert to a graph model (--output_format=tfjs_graph_model)")
    del config["backward_layer"]


_MASK_SOURCES = (("Embedding", "mask_zero", True), ("Masking", None, None))


def _without_mask_ops(functional_config):
    """Keras 3 writes the mask of an Embedding(mask_zero=True) or a Masking layer as op nodes of
    its own (NotEqual, Any) passed to later layers as ``mask=``; Keras 2 and TF.js have the layer
    carry its mask to the layers after it. Returns the config without those op layers when the
    model has such a mask source (the ``mask=`` arguments are dropped with the other keyword
    arguments); otherwise unchanged, and TF.js's lack of the ops is reported."""
    layers = functional_config.get("layers", [])
    if not any(layer["class_name"] == cls and (field is None or
                                               layer["config"].get(field) == value)
               for layer in layers for cls, field, value in _MASK_SOURCES):
        return functional_config
    outputs = {reference[0] for reference in _io_layers(functional_config.get("output_layers"))}
    mask_only = {layer["name"] for layer in layers
                 if (layer.get("module") or "").startswith("keras.src.ops")} - outputs
    changed = True
    while changed:  # an op whose output any non-mask-op layer reads as data is not a mask op
        changed = False
        for layer in layers:
            for node in layer.get("inbound_nodes", []):
                if not isinstance(node, dict):
                    continue
                data = [node.get("args", []), {k: v for k, v in node.get("kwargs", {}).items()
                                               if k != "mask" or layer["name"] in mask_only}]
                for tensor in _keras_tensors(data):
                    name = tensor["config"]["keras_history"][0]
                    if name in mask_only and layer["name"] not in mask_only:
                        mask_only.discard(name)
                        changed = True
    return {**functional_config, "layers": [l for l in layers if l["name"] not in mask_only]}


def keras3_to_keras2(value, key=None):
    """Translates a Keras 3 config (any part of one) into the Keras 2 form TF.js reads."""
    if isinstance(value, (list, tuple)):
        return [keras3_to_keras2(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and key == "dtype":
        return value["config"]["name"]
    if value.get("class_name") in ("Functional", "Model") and isinstance(value.get("config"), dict):
        value = {**value, "config": _without_mask_ops(value["config"])}
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
    if result.get("class_name") == "Bidirectional":
        _bidirectional_as_keras2(result["config"])
    return result


def check_supported(model_config):
    """Raises ConversionError listing every class TF.js cannot deserialise (with its layer)."""
    known = tfjs_classes()
    missing = []
    for obj in config_objects(model_config):
        entry = (obj["class_name"], settings_of(obj).get("name", ""))
        if entry[0] not in known and entry not in missing:
            missing.append(entry)
    if missing:
        raise ConversionError(f"layers {version.TFJS} lacks: " + ", ".join(
            f"{cls} ({name!r})" if name else cls for cls, name in missing))


def _drop_activity_regularizers(config):
    """TF.js cannot build a layer that has an activity regularizer (NotImplementedError at
    load). It only adds a training loss, so it is dropped, with a warning."""
    for obj in config_objects(config):
        settings = settings_of(obj)
        if settings.get("activity_regularizer") is not None:
            settings["activity_regularizer"] = None
            logging.warning("layer %r: activity regularizer dropped; %s cannot load layers that "
                            "have one (predictions are unaffected)",
                            settings.get("name", obj["class_name"]), version.TFJS)


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.weights:  # a nested model
            yield from _leaf_layers(layer)
        else:
            yield layer


def _weight_paths(layer, keras3):
    """(variable, path under the layer) of ``layer``'s weights, as TF.js names them: the weight's
    own name, under the path TF.js gives a wrapped layer's weights (the table's
    "wrapped_weights": Bidirectional's two layers, StackedRNNCells' cells)."""
    wrapped = table()["wrapped_weights"].get(type(layer).__name__)
    if wrapped:
        for attribute, pattern in wrapped.items():
            inner = getattr(layer, attribute)
            for index, sublayer in enumerate(inner if isinstance(inner, list) else [inner]):
                prefix = pattern.format(name=sublayer.name, index=index)
                yield from ((v, f"{prefix}/{path}") for v, path in _weight_paths(sublayer, keras3))
        return
    if getattr(layer, "cell", None) is not None:  # a recurrent layer: its cell's weights
        yield from _weight_paths(layer.cell, keras3)
        return
    renamed = table()["weights_renamed_keras3"].get(type(layer).__name__, {}) if keras3 else {}
    for variable in layer.weights:
        base = variable.name.split("/")[-1].split(":")[0]
        yield variable, renamed.get(base, base)


def _named_weights(layer, keras3):
    return [(v, f"{layer.name}/{path}") for v, path in _weight_paths(layer, keras3)]


def weight_names(model, keras3: bool):
    """(variable, TF.js weight name) for every weight of ``model``, shared layers once."""
    found, seen = [], set()
    for layer in _leaf_layers(model):
        for variable, name in _named_weights(layer, keras3):
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
            for _, name in _named_weights(leaf, keras3):
                if route.setdefault(name, layer.name) != layer.name:
                    raise ConversionError(
                        f"{version.TFJS} cannot load this layers model: weight {name!r} is "
                        f"in both {route[name]!r} and {layer.name!r} (a layer or model used "
                        "inside a nested model and outside it); convert to a graph model "
                        "(--output_format=tfjs_graph_model)")


def _input_ranks(model):
    """{layer name: rank of its input} for the layers (nested ones too) with one input shape."""
    ranks = {}
    for layer in model.layers:
        if hasattr(layer, "layers"):
            ranks.update(_input_ranks(layer))
        try:
            ranks[layer.name] = len(layer.input.shape)
        except (AttributeError, ValueError, TypeError):  # several inputs, or calls; unknown rank
            continue
    return ranks


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
    translate(config, keras3)
    _drop_activity_regularizers(config)
    check_supported(config)
    check_settings(config, _input_ranks(model))
    named_variables = weight_names(model, keras3)
    check_weights_reach_tfjs_once(model, keras3)
    _warn_of_constraint_violations(named_variables)
    # Each value is read from its variable when written, not all of them now.
    weights = [LazyWeight.of(name, tf_dtypes.as_dtype(variable.dtype).as_numpy_dtype,
                             variable.shape, variable.numpy)
               for variable, name in named_variables]
    topology = {"keras_version": keras_version, "backend": "tensorflow", "model_config": config}
    return topology, weights
