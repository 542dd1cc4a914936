"""Writes the demo model: a Keras MobileNetV2 (224x224, 1000 classes) as a SavedModel.

No weights can be downloaded, so the network gets random weights from a fixed seed. Random
weights alone let activations explode or vanish layer by layer, so every output is the same
whatever the image; instead the BatchNormalization statistics are those of a seeded random
calibration batch (random scales and offsets on top), as training would leave them, and the
outputs differ between inputs the way a trained model's do.
usage: python -m models.mobilenet_saved_model OUTPUT_DIR [--seed=N]
"""

from absl import app, flags, logging

from models import reproducible
from tools.converter import tf_import

flags.DEFINE_integer("seed", 0, "Seed of the random weights.")
FLAGS = flags.FLAGS


def build(seed, classifier_activation="softmax", calibrate_batch_norm=True):
    """Returns the seeded MobileNetV2 Keras model.

    ``classifier_activation`` is Keras's: "softmax" (the demo's probabilities) or None (logits).
    ``calibrate_batch_norm=False`` draws the BatchNormalization statistics at random instead:
    the outputs then hardly depend on the image, but neither does the network amplify changes
    of its weights the way a calibrated random network does (see tests/converter/
    test_quantization.py).
    """
    tf_import.import_tensorflow()  # quietly, before Keras imports it
    import keras  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel

    keras.utils.set_random_seed(seed)
    # A named input gives the signature a stable key ("image"), whatever else the process built.
    image = keras.Input((224, 224, 3), name="image")
    model = keras.applications.MobileNetV2(
        weights=None, input_tensor=image, classifier_activation=classifier_activation)
    rng = np.random.default_rng(seed)
    batch_norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    for layer in batch_norms:
        gamma, beta, mean, variance = layer.get_weights()
        if not calibrate_batch_norm:
            mean = rng.normal(0.0, 0.1, mean.shape).astype("float32")
            variance = rng.uniform(0.5, 1.5, variance.shape).astype("float32")
        layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                           rng.normal(0.0, 0.2, beta.shape).astype("float32"), mean, variance])
    if calibrate_batch_norm:
        for layer in batch_norms:
            layer.momentum = 0.0  # one training-mode pass sets the statistics to the batch's
        model({"image": rng.uniform(-1, 1, (8, 224, 224, 3)).astype("float32")}, training=True)
        for layer in batch_norms:
            layer.momentum = 0.99
    return model


def export(model, directory):
    """Writes `model` as a SavedModel whose serving_default signature maps "image" to "output_0".

    Keras's own `model.export` writes the variables in an order that changes from run to run, so
    its SavedModel is different bytes every time, and so is every build that depends on it. Here
    the variables are tracked in the model's own order: the same model gives the same bytes.
    """
    tf = tf_import.import_tensorflow()

    module = tf.Module()
    module.weights = [weight.value for weight in model.weights]
    image = model.inputs[0]

    @tf.function(input_signature=[tf.TensorSpec(image.shape, image.dtype, name="image")])
    def serve(batch):
        return model(batch, training=False)

    module.serve = serve
    reproducible.save_saved_model(tf, module, directory, {"serving_default": serve})


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("usage: mobilenet_saved_model OUTPUT_DIR [--seed=N]")
    logging.set_verbosity(logging.WARNING)
    export(build(FLAGS.seed), argv[1])


if __name__ == "__main__":
    app.run(main)
