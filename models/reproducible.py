"""Writes SavedModels that are the same bytes every time the same program writes them."""

import os


def save_saved_model(tf, module, directory, signatures):
    """`tf.saved_model.save(module, directory, signatures=signatures)`, then clears the random
    uuid that TensorFlow writes into fingerprint.pb, the one part that differs between runs.

    Build steps that write a model must be reproducible: a SavedModel that differs on every run
    makes every conversion of it miss the cache.
    """
    from tensorflow.core.protobuf import fingerprint_pb2  # pylint: disable=import-outside-toplevel

    tf.saved_model.save(module, directory, signatures=signatures)
    path = os.path.join(directory, "fingerprint.pb")
    with open(path, "rb") as f:
        fingerprint = fingerprint_pb2.FingerprintDef.FromString(f.read())
    fingerprint.ClearField("uuid")
    with open(path, "wb") as f:
        f.write(fingerprint.SerializeToString(deterministic=True))
