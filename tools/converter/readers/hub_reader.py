"""Reads a TF-Hub model: a TF1 hub module or a TF2 SavedModel.

A handle is a local directory, a ``file://`` URL, or an http(s) URL, which is downloaded into
tensorflow_hub's cache first (see remote_input). Under Bazel, conversions never touch the
network: a repository rule fetches the model with a sha256 and passes the directory.
"""

import os
from typing import Optional, Sequence

from google.protobuf import empty_pb2, unknown_fields

from tools.converter import remote_input
from tools.converter.readers import input_files, saved_model_reader
from tools.converter.errors import ConversionError
from tools.remote_models import handles

_TF1_MODULE_FILE = "tfhub_module.pb"
# tensorflow_hub's ModuleDef: field 1 is the format, and FORMAT_V3 the only one hub reads.
_FORMAT_FIELD, _FORMAT_V3 = 1, 3


def local_path(handle: str, sha256: Optional[str] = None) -> str:
    """Returns the directory a hub handle names, downloading an http(s) handle (whose archive
    must have the digest ``sha256``, when given) into tensorflow_hub's cache."""
    if handle.startswith("file://"):
        return handle[len("file://"):]
    if handles.is_http(handle):
        return remote_input.fetch(handle, sha256)
    if "://" in handle:
        raise ConversionError(
            f"tf_hub handle {handle} is neither a local directory nor an http(s) URL")
    return handle


def _check_module_def(path):
    """Refuses a tfhub_module.pb that is damaged or not of FORMAT_V3, as tensorflow_hub does.

    The file is read field by field: newer tensorflow_hub releases no longer ship its proto.
    """
    module_def = input_files.parse_proto(path, empty_pb2.Empty(), "a TF-Hub ModuleDef")
    formats = [field.data for field in unknown_fields.UnknownFieldSet(module_def)
               if field.field_number == _FORMAT_FIELD]
    module_format = formats[-1] if formats else 0
    if module_format != _FORMAT_V3:
        raise input_files.unsupported_version(
            path, f"its ModuleDef format is {module_format!r}; only format {_FORMAT_V3} "
            "(FORMAT_V3) can be read")


def load(handle: str, tags: Optional[Sequence[str]], signature_name: Optional[str],
         sha256: Optional[str] = None):
    """Reads the hub model at ``handle`` (see local_path) into a GraphSource."""
    path = local_path(handle, sha256)
    module_def = os.path.join(path, _TF1_MODULE_FILE)
    tf1_module = os.path.isfile(module_def)
    if tf1_module:
        _check_module_def(module_def)
    default_tags = () if tf1_module else ("serve",)
    return saved_model_reader.load(
        path, default_tags if tags is None else tags, signature_name or "default",
        fallbacks=() if signature_name else ("serving_default",), fall_back_to_only=True)
