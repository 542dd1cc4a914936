"""Writes an e2e test model (its tfjs_model_test computes TensorFlow's outputs).

usage: python -m tests.e2e_support.make_models KIND MODEL_OUT
KIND: loop_saved_model (a TF2 SavedModel: a while loop, a variable, two outputs sharing shape
and dtype), frozen_graph (a frozen TF1 GraphDef .pb with output nodes "probs" and "logits"),
keras_file (a Keras 3 .keras classifier with output "scores") or unsupported_op (a SavedModel
using MatrixDeterminant, which TF.js lacks).
"""

from absl import app, logging

from models import reproducible
from tools.converter import tf_import


def loop_saved_model(tf, np, path):
    """A SavedModel whose outputs need a while loop that TF.js must run."""
    rng = np.random.default_rng(7)
    module = tf.Module()
    module.w = tf.Variable(rng.standard_normal(3).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                  tf.TensorSpec([], tf.int32, name="steps")])
    def serve(x, steps):
        acc = tf.zeros_like(x)
        for _ in tf.range(steps):
            acc = acc * 0.9 + tf.tanh(x * module.w)
        return {"acc": acc, "scaled": x * module.w}

    reproducible.save_saved_model(tf, module, path, {"serving_default": serve})


def frozen_graph(tf, np, path):
    """A frozen GraphDef: dense layer, softmax; outputs "probs" and "logits"."""
    rng = np.random.default_rng(11)
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="input")
        w = tf.compat.v1.Variable(rng.standard_normal((4, 5)).astype("float32"))
        logits = tf.identity(tf.matmul(x, w), name="logits")
        tf.nn.softmax(logits, name="probs")
        session.run(tf.compat.v1.global_variables_initializer())
        frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
            session, graph.as_graph_def(), ["probs", "logits"])
    with open(path, "wb") as f:
        f.write(frozen.SerializeToString())


def keras_file(tf, np, path):
    """A Keras 3 .keras file: conv, batch norm and a GRU over the image rows, then "scores"."""
    del tf
    import keras  # pylint: disable=import-outside-toplevel
    keras.utils.set_random_seed(5)
    image = keras.Input((6, 6, 3), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(image)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GRU(5, reset_after=False)(keras.layers.Reshape((6, 24))(x))
    model = keras.Model(image, keras.layers.Dense(3, activation="softmax", name="scores")(x))
    model.save(path)


def unsupported_op(tf, np, path):
    """A SavedModel with an op TF.js cannot run: its conversion must fail."""
    serve = tf.function(lambda m: {"det": tf.linalg.det(m)},
                        input_signature=[tf.TensorSpec([3, 3], tf.float32, name="m")])
    reproducible.save_saved_model(tf, tf.Module(), path, {"serving_default": serve})


def main(argv):
    if len(argv) != 3:
        raise app.UsageError("usage: make_models KIND MODEL_OUT")
    logging.set_verbosity(logging.WARNING)
    tf = tf_import.import_tensorflow()
    import numpy as np  # pylint: disable=import-outside-toplevel
    kind, model_out = argv[1:]
    makers = {f.__name__: f for f in (loop_saved_model, frozen_graph, keras_file, unsupported_op)}
    makers[kind](tf, np, model_out)


if __name__ == "__main__":
    app.run(main)
