"""Writes the demo model: a Keras MobileNetV2 (224x224, 1000 classes) as a SavedModel.

No weights can be downloaded, so the network gets random weights from a fixed seed, and its
BatchNormalization statistics are randomised too so that outputs differ between inputs the way
a trained model's do. usage: python -m models.mobilenet_saved_model OUTPUT_DIR [--seed=N]
"""

from absl import app, flags, logging

from tools.converter import tf_import

flags.DEFINE_integer("seed", 0, "Seed of the random weights.")
FLAGS = flags.FLAGS


def build(seed):
    """Returns the seeded MobileNetV2 Keras model."""
    tf_import.import_tensorflow()  # quietly, before Keras imports it
    import keras  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel

    keras.utils.set_random_seed(seed)
    # A named input gives the signature a stable key ("image"), whatever else the process built.
    image = keras.Input((224, 224, 3), name="image")
    model = keras.applications.MobileNetV2(weights=None, input_tensor=image)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                rng.normal(0.0, 0.1, beta.shape).astype("float32"),
                rng.normal(0.0, 0.1, mean.shape).astype("float32"),
                rng.uniform(0.5, 1.5, variance.shape).astype("float32"),
            ])
    return model


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("usage: mobilenet_saved_model OUTPUT_DIR [--seed=N]")
    logging.set_verbosity(logging.WARNING)
    build(FLAGS.seed).export(argv[1], verbose=False)


if __name__ == "__main__":
    app.run(main)
