"""Keras layer configs in the terms TF.js reads, driven by one table: keras_to_tfjs.json.

The table holds every name that differs between Keras and TF.js (activations, regularizer
classes, layers TF.js has under another form, fields it rejects, the paths it gives the weights of
wrapped layers) and every setting TF.js cannot honour. tests/converter/test_tfjs_translation.py
checks it against TF.js's and Keras's own registries.
"""

import functools
import json
import os
import re

from tools.converter import version
from tools.converter.errors import ConversionError

_TABLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_to_tfjs.json")
_TFJS_CLASSES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_layers.json")
_ACTIVATION_FIELDS = ("activation", "recurrent_activation")


@functools.lru_cache(maxsize=None)
def table():
    """The translation table (keras_to_tfjs.json)."""
    with open(_TABLE_FILE, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def tfjs_classes():
    """The names TF.js can deserialise: layers, initializers, ..., and activations (the
    lower-case ones)."""
    with open(_TFJS_CLASSES_FILE, encoding="utf-8") as f:
        return frozenset(json.load(f)["classes"])


def tfjs_activation_name(identifier):
    """The activation TF.js looks up for a config string: it camel-cases every config string."""
    return re.sub(r"_+(\w|$)", lambda m: m.group(1).upper(), identifier)


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


def settings_of(obj):
    """The config dict of a serialised object, or {} (a string config, such as a function's)."""
    return obj["config"] if isinstance(obj.get("config"), dict) else {}


def _activation(value, layer, keras3):
    """The TF.js name of a Keras activation value, or ConversionError when TF.js has none."""
    if isinstance(value, dict):  # tf_keras writes some as {"class_name": "function", ...}
        value = value.get("config")
    if not isinstance(value, str):
        raise ConversionError(f"layer {layer!r}: activation {value!r} is not one of Keras's own; "
                              f"{version.TFJS} cannot load it")
    activations = table()["activations"]
    if keras3 and value in activations["differ_in_keras3"]:
        raise ConversionError(f"layer {layer!r}: {version.TFJS} has no activation like "
                              f"{value!r}: {activations['differ_in_keras3'][value]}; convert "
                              "to a graph model (--output_format=tfjs_graph_model)")
    name = activations["renamed"].get(value, value)
    if tfjs_activation_name(name) not in tfjs_classes():
        raise ConversionError(f"layer {layer!r}: {version.TFJS} has no activation {value!r}; "
                              "convert to a graph model (--output_format=tfjs_graph_model)")
    return name


def translate(model_config, keras3: bool):
    """Rewrites, in place, a Keras 2-form model config into what TF.js reads: renamed classes,
    replaced layers, dropped fields, activations under TF.js's names."""
    entries = table()
    for obj in config_objects(model_config):
        settings = settings_of(obj)
        renamed = entries["classes_renamed"].get(obj["class_name"])
        if renamed:
            obj["class_name"] = renamed["class_name"]
            obj["config"] = {key: settings.get(key, default)
                             for key, default in renamed["defaults"].items()}
            continue
        replaced = entries["layers_replaced"].get(obj["class_name"])
        if replaced and "name" in settings:
            obj["class_name"] = replaced["class_name"]
            obj["config"] = settings = {
                **{k: settings[k] for k in ("name", "trainable", "dtype") if k in settings},
                **replaced["config"]}
        for field in entries["fields_dropped"].get(obj["class_name"], ()):
            settings.pop(field, None)
        for field in _ACTIVATION_FIELDS:
            if field in settings:
                settings[field] = _activation(settings[field], settings.get("name", ""), keras3)


def _violates(rule, value, rank):
    if "is" in rule:
        return value == rule["is"]
    if "is_not" in rule:
        return value is not None and value != rule["is_not"]
    if rule.get("is_not_last_axis") and rank is not None and value is not None:
        axes = value if isinstance(value, list) else [value]
        return any(axis not in (-1, rank - 1) for axis in axes)
    return False


def check_settings(model_config, input_ranks):
    """Raises ConversionError for the first layer whose class or setting TF.js cannot
    honour (the table's "unsupported" list). ``input_ranks``: layer name -> its input's rank."""
    for obj in config_objects(model_config):
        settings = settings_of(obj)
        name = settings.get("name", "")
        for rule in table()["unsupported"]:
            if obj["class_name"] != rule["class"]:
                continue
            if "why" in rule:
                raise ConversionError(
                    f"{rule['class']} {name!r}: {version.TFJS} cannot load this layer in a "
                    f"layers model ({rule['why']}); convert to a graph model "
                    "(--output_format=tfjs_graph_model)")
            value = settings.get(rule["field"])
            if _violates(rule, value, input_ranks.get(name)):
                advice = rule.get("advice",
                                  "convert to a graph model (--output_format=tfjs_graph_model)")
                raise ConversionError(f"{rule['class']} {name!r}: {version.TFJS} does not "
                                      f"support {rule['field']}={value!r}; {advice}")
