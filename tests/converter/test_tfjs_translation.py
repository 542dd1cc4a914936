"""The Keras -> TF.js translation table (tools/converter/writers/keras_to_tfjs.json) holds only
names that exist: every TF.js name in TF.js 4.22's registry, every Keras name in Keras 3 or
tf_keras."""

import keras
import tf_keras

from tools.converter.writers import tfjs_translation

TABLE = tfjs_translation.table()
KERASES = (keras, tf_keras)


def _keras_has(kind, name):
    return any(hasattr(getattr(k, kind), name) for k in KERASES)


def _keras_activation_names():
    """Activation names as Keras configs carry them: Keras's own, and the names of the TensorFlow
    functions that some tf_keras activations are (a loaded tf_keras model writes its log_softmax
    as tf.nn.log_softmax's name, log_softmax_v2)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    names = {name for k in KERASES for name in dir(k.activations)}
    return names | {getattr(getattr(tf.nn, name), "__name__", name) for name in dir(tf.nn)}


def test_activation_names_exist_on_both_sides():
    known = _keras_activation_names()
    renamed = TABLE["activations"]["renamed"]
    for keras_name, tfjs_name in renamed.items():
        assert keras_name in known, keras_name
        assert tfjs_translation.tfjs_activation_name(tfjs_name) in tfjs_translation.tfjs_classes()
    for keras_name in TABLE["activations"]["differ_in_keras3"]:
        assert hasattr(keras.activations, keras_name), keras_name


def test_tfjs_camel_cases_activation_strings():
    assert tfjs_translation.tfjs_activation_name("hard_sigmoid") == "hardSigmoid"
    assert tfjs_translation.tfjs_activation_name("relu6") == "relu6"


def test_class_and_layer_names_exist_on_both_sides():
    tfjs = tfjs_translation.tfjs_classes()
    for keras_name, target in TABLE["classes_renamed"].items():
        assert _keras_has("regularizers", keras_name), keras_name
        assert target["class_name"] in tfjs, target
    for keras_name, target in TABLE["layers_replaced"].items():
        assert _keras_has("layers", keras_name), keras_name
        assert target["class_name"] in tfjs, target
    tables = (TABLE["fields_dropped"], TABLE["weights_renamed_keras3"], TABLE["wrapped_weights"])
    for name in {n for t in tables for n in t} | {r["class"] for r in TABLE["unsupported"]}:
        assert _keras_has("layers", name) and name in tfjs, name


def test_unsupported_rules_say_what_to_check():
    for rule in TABLE["unsupported"]:
        conditions = {"is", "is_not", "is_not_last_axis"} & set(rule)
        assert ("why" in rule) != bool(conditions and "field" in rule), rule
