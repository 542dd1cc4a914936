"""Reads a TF-Hub model from a local directory: a TF1 hub module or a TF2 SavedModel.

Handles that are URLs are refused: a conversion never touches the network (under Bazel, a
repository rule fetches the module with a sha256 and passes the directory).
"""

import os
from typing import Optional, Sequence

from tools.converter import saved_model_reader
from tools.converter.errors import ConversionError

_TF1_MODULE_FILE = "tfhub_module.pb"


def local_path(handle: str) -> str:
    """Returns the directory a hub handle names, refusing remote handles."""
    if handle.startswith("file://"):
        return handle[len("file://"):]
    if "://" in handle:
        raise ConversionError(
            f"tf_hub handle {handle} is remote; conversions never download: fetch and unpack the "
            "module first and pass its directory")
    return handle


def load(handle: str, tags: Optional[Sequence[str]], signature_name: Optional[str]):
    """Reads the hub model at ``handle`` into a GraphSource."""
    path = local_path(handle)
    tf1_module = os.path.isfile(os.path.join(path, _TF1_MODULE_FILE))
    default_tags = () if tf1_module else ("serve",)
    return saved_model_reader.load(
        path, default_tags if tags is None else tags, signature_name or "default",
        fallbacks=() if signature_name else ("serving_default",), fall_back_to_only=True)
