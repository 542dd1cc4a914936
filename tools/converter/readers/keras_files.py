"""Keras files checked whole before Keras reads them, so that a damaged one is reported as such.

HDF5 notices damage only in the parts it reads, and Keras reads them in the middle of rebuilding
the model, where the error says little; a zip archive has a CRC per member. Each check reads
everything Keras will, once.
"""

import json
import os
import zipfile
import zlib

from tools.converter.readers import checkpoint, input_files, saved_model_reader
from tools.converter.errors import one_line

# What h5py raises for a file HDF5 cannot read: it sorts HDF5's errors into these.
_HDF5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError)
# What zipfile raises for a damaged archive (EOFError and zlib.error: a cut or garbled
# compressed member).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)
# Keras majors whose .h5 files tf_keras reads (Keras 1 ones too: it converts their weights);
# "" is a file without a keras_version.
_TF_KERAS_MAJORS = ("", "1", "2")


def _read_hdf5(source, path, member=""):
    """Reads every attribute and dataset of the HDF5 file ``source`` (a path or an open file);
    returns its root attributes. Damage is reported for ``path`` (``member`` names the HDF5
    file inside it)."""
    import h5py  # pylint: disable=import-outside-toplevel

    def read(_name, item):
        values = [item.attrs[key] for key in item.attrs]
        if isinstance(item, h5py.Dataset):
            values.append(item[()])
        # Returns None: visititems stops at the first item for which anything else is returned.

    try:
        with h5py.File(source, "r") as f:
            read("/", f)
            f.visititems(read)
            return dict(f.attrs)
    except _HDF5_ERRORS as e:
        raise input_files.damaged(path, member + one_line(e)) from e


def read_h5(path):
    """Checks the Keras .h5 file ``path``; returns (the major version of the Keras that wrote
    it, "3" or one that tf_keras reads, its model config as a dict)."""
    if not input_files.starts_with(path, input_files.HDF5_SIGNATURE):
        raise input_files.wrong_format(path, "an HDF5 (.h5) file",
                                       f"it is {input_files.file_kind(path)}")
    attributes = _read_hdf5(path, path)
    if "model_config" not in attributes:
        raise input_files.wrong_format(
            path, "a Keras model", "the HDF5 file has no model_config (only weights? save the "
            "whole model with model.save)")
    try:
        config = json.loads(attributes["model_config"])
    except ValueError as e:
        raise input_files.damaged(path, f"its model_config is not JSON: {one_line(e)}") from e
    version = attributes.get("keras_version", "")
    version = version.decode() if isinstance(version, bytes) else str(version)
    major = version.split(".")[0]
    if major != "3" and major not in _TF_KERAS_MAJORS:
        raise input_files.unsupported_version(
            path, f"Keras {version} wrote it; files of Keras 1, 2 and 3 can be read")
    return major, config


def read_keras_zip(path):
    """Checks the Keras 3 .keras file ``path`` (every member's CRC, config.json, the weights);
    returns its model config as a dict."""
    if not input_files.starts_with(path, input_files.ZIP_SIGNATURE):
        raise input_files.wrong_format(path, "a Keras 3 (.keras zip) file",
                                       f"it is {input_files.file_kind(path)}")
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = archive.testzip()
            if bad_member is not None:
                raise input_files.damaged(path, f"its {bad_member} fails its CRC check")
            names = archive.namelist()
            if "config.json" not in names:
                raise input_files.wrong_format(path, "a Keras 3 (.keras zip) file",
                                               "the zip archive has no config.json")
            try:
                config = json.loads(archive.read("config.json"))
            except ValueError as e:
                raise input_files.damaged(
                    path, f"its config.json is not JSON: {one_line(e)}") from e
            if "model.weights.h5" in names:
                with archive.open("model.weights.h5") as weights:
                    _read_hdf5(weights, path, "its model.weights.h5: ")
            return config
    except _ZIP_ERRORS as e:
        raise input_files.damaged(path, one_line(e)) from e
    except NotImplementedError as e:  # a compression method this Python lacks
        raise input_files.unsupported_version(path, one_line(e)) from e


def check_saved_model(path):
    """Checks the tf_keras SavedModel ``path``: its graph, assets, Keras metadata and every
    variable value (read once more by tf_keras, which reports damage as anything)."""
    from tf_keras.protobuf import saved_metadata_pb2  # pylint: disable=import-outside-toplevel
    saved_model, _ = saved_model_reader.read_saved_model_proto(path)
    for meta_graph in saved_model.meta_graphs:
        saved_model_reader.asset_paths(path, meta_graph)
    metadata = os.path.join(path, "keras_metadata.pb")
    if not os.path.isfile(metadata):
        raise input_files.wrong_format(
            path, "a tf_keras SavedModel", "it has no keras_metadata.pb (a SavedModel that "
            "tf.saved_model.save wrote? use --input_format=tf_saved_model)")
    input_files.parse_proto(metadata, saved_metadata_pb2.SavedMetadata(), "tf_keras metadata")
    checkpoint.Checkpoint(path).verify()

