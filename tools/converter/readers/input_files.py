"""Read failures of the user's input files, by cause.

Each is a one-line ConversionError that names the file and says why it cannot be read: it is
missing, it is truncated or corrupted, it is not of the format asked for, or it is of a version
this converter cannot read. Readers check what they can before TensorFlow or Keras sees a file,
so that damage is reported as such rather than as whatever the library trips over.
"""

import os

from google.protobuf import message
from tensorflow.core.framework import graph_pb2
from tensorflow.python.framework import versions as tf_versions

from tools.converter.errors import ConversionError, one_line

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
_KINDS = (
    (HDF5_SIGNATURE, "an HDF5 file (a Keras .h5 model? use --input_format=keras)"),
    (ZIP_SIGNATURE, "a zip archive (a Keras .keras model? use --input_format=keras_keras)"),
)


def missing(path, role: str) -> ConversionError:
    """``path`` does not exist; ``role`` says what it would have been, e.g. "the INPUT path"."""
    return ConversionError(f"{path} is missing ({role})")


def damaged(path, detail: str) -> ConversionError:
    """``path`` exists but cannot be read as what it claims to be: truncated or corrupted."""
    return ConversionError(f"{path} is truncated or corrupted: {detail}")


def wrong_format(path, expected: str, detail: str) -> ConversionError:
    """``path`` is intact but is not ``expected`` (e.g. "a SavedModel"); ``detail`` says why."""
    return ConversionError(f"{path} is not {expected}: {detail}")


def unsupported_version(path, detail: str) -> ConversionError:
    """``path`` is of a version this converter cannot read; ``detail`` names both versions."""
    return ConversionError(f"{path} has an unsupported version: {detail}")


def require(path, role: str):
    """Raises ``missing`` unless ``path`` exists (as a file or a directory)."""
    if not os.path.exists(path):
        raise missing(path, role)


def starts_with(path, signature: bytes) -> bool:
    """Whether the file ``path`` starts with ``signature`` (e.g. HDF5_SIGNATURE)."""
    with open(path, "rb") as f:
        return f.read(len(signature)) == signature


def signature_kind(path):
    """What the file ``path`` is when its first bytes say so, with the flag that reads it (None
    when they do not)."""
    return next((kind for signature, kind in _KINDS if starts_with(path, signature)), None)


def file_kind(path) -> str:
    """What the file ``path`` holds, for a wrong-format message: an HDF5 file, a zip archive or
    a GraphDef, each with the flag that reads it, or just "a file"."""
    kind = signature_kind(path)
    if kind:
        return kind
    graph_def = graph_pb2.GraphDef()
    try:
        parse_proto(path, graph_def, "a GraphDef")
    except ConversionError:
        return "a file"
    if graph_def.node:
        return "a GraphDef (a frozen model? use --input_format=tf_frozen_model)"
    return "a file"


def parse_proto(path, proto, expected: str):
    """Parses the binary protobuf file ``path`` into ``proto`` (a message to fill) and returns it.

    Bytes that do not parse are damage, unless they are recognisably another format than
    ``expected`` (e.g. "a frozen GraphDef").
    """
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise damaged(path, "it is empty")
    try:
        proto.ParseFromString(data)
    except message.DecodeError as e:
        kind = signature_kind(path)
        if kind:
            raise wrong_format(path, expected, f"it is {kind}") from e
        # "Error parsing message with type 'tensorflow.SavedModel': Wire format was corrupt"
        reason = one_line(e).rpartition(": ")[2]
        raise damaged(path, f"it does not parse as {expected} ({reason})") from e
    return proto


def check_graph_version(path, versions):
    """Raises ``unsupported_version`` if this TensorFlow cannot run a graph whose GraphDef
    ``versions`` (a VersionDef) are these: it was written for a newer TensorFlow."""
    current = tf_versions.GRAPH_DEF_VERSION
    if versions.min_consumer > current or current in versions.bad_consumers:
        raise unsupported_version(
            path, f"its graph (GraphDef producer {versions.producer}, min consumer "
            f"{versions.min_consumer}) cannot be read by TensorFlow {tf_versions.__version__} "
            f"(GraphDef version {current})")
