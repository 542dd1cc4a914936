"""Every input format, with one of its files truncated, corrupted or missing (or of another format
or version), fails with one line that names the file and the cause, never an internal error."""

import dataclasses
import pathlib
import shutil
import zipfile
from typing import Callable, Optional, Tuple

import h5py
import keras
import pytest
import tensorflow as tf
import tf_keras

from tests.converter import model_zoo
from tests.converter.test_cli_errors import _assert_fails
from tools.converter import conversion
from tools.converter.options import ConversionOptions

MISSING = "is missing"
DAMAGED = "is truncated or corrupted"
WRONG_FORMAT = "is not"
UNSUPPORTED_VERSION = "has an unsupported version"
DATA = "variables/variables.data-00000-of-00001"


def _truncate(path: pathlib.Path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _flip(path: pathlib.Path, at: int):
    data = bytearray(path.read_bytes())
    for i in range(at, min(at + 16, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _corrupt(path: pathlib.Path):
    """Flips 16 bytes in the middle."""
    _flip(path, path.stat().st_size // 2)


def _corrupt_at(marker: bytes):
    """Flips 16 bytes where ``marker`` first occurs: in an HDF5 file, the middle is often weight
    data, which has no checksum, so that its damage cannot be noticed."""
    def corrupt(path: pathlib.Path):
        _flip(path, path.read_bytes().index(marker))
    return corrupt


def _remove(path: pathlib.Path):
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def _in_zip(member: str, damage: Callable):
    """Damages one member of a zip archive and writes the archive anew (with valid CRCs)."""
    def damage_member(path: pathlib.Path):
        with zipfile.ZipFile(path) as archive:
            members = [(info, archive.read(info)) for info in archive.infolist()]
        scratch = path.with_name(member)
        with zipfile.ZipFile(path, "w") as archive:
            for info, data in members:
                if info.filename == member:
                    scratch.write_bytes(data)
                    damage(scratch)
                    data = scratch.read_bytes()
                    scratch.unlink()
                archive.writestr(info, data)
    return damage_member


def _as_is(_path: pathlib.Path):
    """Leaves the file alone: it is intact but not what the flags say."""


def _keras_version(version: str):
    def set_version(path: pathlib.Path):
        with h5py.File(path, "a") as f:
            f.attrs["keras_version"] = version
    return set_version


def _graph_for_future_tensorflow(path: pathlib.Path):
    graph_def = tf.compat.v1.GraphDef.FromString(path.read_bytes())
    graph_def.versions.min_consumer = tf.version.GRAPH_DEF_VERSION + 1
    path.write_bytes(graph_def.SerializeToString())


def _module_format(path: pathlib.Path):
    path.write_bytes(b"\x08\x04")  # tensorflow_hub's ModuleDef with format = 4


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """One small model of each input format, by name."""
    workdir = tmp_path_factory.mktemp("models")
    built = {name: pathlib.Path(model_zoo.build(name, workdir).input_path)
             for name in ("tf2_variables", "frozen_graph", "hub_tf1_module")}
    built["asset_saved_model"] = _asset_saved_model(workdir)
    built.update(_keras_models(workdir))
    built["layers_model"] = workdir / "layers_model"
    conversion.convert(ConversionOptions(str(built["keras3.keras"]), str(built["layers_model"]),
                                         input_format="keras_keras"))
    return built


def _asset_saved_model(workdir):
    """A SavedModel whose table is read from a vocabulary file in assets/."""
    vocabulary = workdir / "vocabulary.txt"
    vocabulary.write_text("a\nb\nc\n")
    module = tf.Module()
    module.table = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        str(vocabulary), tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
        tf.lookup.TextFileIndex.LINE_NUMBER), -1)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
    def serve(words):
        return {"ids": module.table.lookup(words)}

    path = workdir / "asset_saved_model"
    tf.saved_model.save(module, str(path), signatures={"serving_default": serve})
    return path


def _keras_models(workdir):
    """A Dense layer saved by Keras 3 (.h5, .keras, weights only) and tf_keras (.h5, SavedModel)."""
    paths = {name: workdir / name for name in (
        "keras3.h5", "keras3.keras", "keras3.weights.h5", "tf_keras.h5", "tf_keras_saved_model")}
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,), name="x"), keras.layers.Dense(2)])
    model.save(paths["keras3.h5"])
    model.save(paths["keras3.keras"])
    model.save_weights(paths["keras3.weights.h5"])
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.Input((3,), name="x"), tf_keras.layers.Dense(2)])
    model.save(paths["tf_keras.h5"])
    model.save(str(paths["tf_keras_saved_model"]))
    return paths


@dataclasses.dataclass(frozen=True)
class Case:
    """``damage`` applied to ``file`` (relative to a copy of model ``model``; "" for the model
    itself) must give ``cause`` naming ``named`` (default: the damaged file), and ``also``.
    ``input`` is what the converter is given, relative to the copy."""

    model: str
    flags: Tuple[str, ...]
    file: str
    damage: Callable[[pathlib.Path], None]
    cause: str
    named: Optional[str] = None
    also: Tuple[str, ...] = ()
    input: str = ""


SAVED_MODEL = ("--input_format=tf_saved_model",)
FROZEN = ("--input_format=tf_frozen_model", "--output_node_names=output")
KERAS = ("--input_format=keras",)
KERAS_ZIP = ("--input_format=keras_keras",)
KERAS_SAVED_MODEL = ("--input_format=keras_saved_model",)
LAYERS = ("--input_format=tfjs_layers_model", "--output_format=tfjs_graph_model")
HUB = ("--input_format=tf_hub",)

CASES = {
    "saved_model-pb-truncated": Case("tf2_variables", SAVED_MODEL, "saved_model.pb", _truncate,
                                     DAMAGED),
    "saved_model-pb-corrupted": Case("tf2_variables", SAVED_MODEL, "saved_model.pb", _corrupt,
                                     DAMAGED),
    "saved_model-index-truncated": Case("tf2_variables", SAVED_MODEL,
                                        "variables/variables.index", _truncate, DAMAGED),
    "saved_model-index-corrupted": Case("tf2_variables", SAVED_MODEL,
                                        "variables/variables.index", _corrupt, DAMAGED),
    "saved_model-data-truncated": Case("tf2_variables", SAVED_MODEL, DATA, _truncate, DAMAGED),
    "saved_model-data-corrupted": Case("tf2_variables", SAVED_MODEL, DATA, _corrupt, DAMAGED),
    # With no data file left, how many shards there were is unknown: the message names them all.
    "saved_model-data-missing": Case("tf2_variables", SAVED_MODEL, DATA, _remove, MISSING,
                                     named="variables/variables.data-*"),
    "saved_model-variables-missing": Case("tf2_variables", SAVED_MODEL, "variables", _remove,
                                          MISSING, named="variables/variables.index"),
    "saved_model-asset-missing": Case("asset_saved_model", SAVED_MODEL, "assets/vocabulary.txt",
                                      _remove, MISSING),
    "frozen-truncated": Case("frozen_graph", FROZEN, "", _truncate, DAMAGED),
    "frozen-corrupted": Case("frozen_graph", FROZEN, "", _corrupt, DAMAGED),
    "frozen-newer-version": Case("frozen_graph", FROZEN, "", _graph_for_future_tensorflow,
                                 UNSUPPORTED_VERSION),
    "h5-keras3-truncated": Case("keras3.h5", KERAS, "", _truncate, DAMAGED),
    "h5-keras3-corrupted": Case("keras3.h5", KERAS, "", _corrupt_at(b'{"class_name"'), DAMAGED),
    "h5-tf_keras-truncated": Case("tf_keras.h5", KERAS, "", _truncate, DAMAGED),
    "h5-tf_keras-corrupted": Case("tf_keras.h5", KERAS, "", _corrupt_at(b"TREE"), DAMAGED),
    "h5-weights_only": Case("keras3.weights.h5", KERAS, "", _as_is, WRONG_FORMAT,
                            also=("no model_config",)),
    "h5-keras4": Case("keras3.h5", KERAS, "", _keras_version("4.0.0"), UNSUPPORTED_VERSION,
                      also=("Keras 4.0.0",)),
    "keras-as-h5": Case("keras3.keras", KERAS, "", _as_is, WRONG_FORMAT,
                        also=("--input_format=keras_keras",)),
    "keras-truncated": Case("keras3.keras", KERAS_ZIP, "", _truncate, DAMAGED),
    "keras-corrupted": Case("keras3.keras", KERAS_ZIP, "", _corrupt, DAMAGED),
    "keras-config-truncated": Case("keras3.keras", KERAS_ZIP, "",
                                   _in_zip("config.json", _truncate), DAMAGED,
                                   also=("config.json",)),
    "keras-weights-truncated": Case("keras3.keras", KERAS_ZIP, "",
                                    _in_zip("model.weights.h5", _truncate), DAMAGED,
                                    also=("model.weights.h5",)),
    "keras_saved_model-metadata-truncated": Case("tf_keras_saved_model", KERAS_SAVED_MODEL,
                                                 "keras_metadata.pb", _truncate, DAMAGED),
    "keras_saved_model-data-corrupted": Case("tf_keras_saved_model", KERAS_SAVED_MODEL, DATA,
                                             _corrupt, DAMAGED),
    "layers-model_json-truncated": Case("layers_model", LAYERS, "model.json", _truncate, DAMAGED,
                                        input="model.json"),
    "layers-shard-truncated": Case("layers_model", LAYERS, "group1-shard1of1.bin", _truncate,
                                   DAMAGED, input="model.json"),
    "layers-shard-missing": Case("layers_model", LAYERS, "group1-shard1of1.bin", _remove,
                                 MISSING, input="model.json"),
    "hub-module_def-truncated": Case("hub_tf1_module", HUB, "tfhub_module.pb", _truncate,
                                     DAMAGED),
    "hub-module_def-newer-format": Case("hub_tf1_module", HUB, "tfhub_module.pb", _module_format,
                                        UNSUPPORTED_VERSION),
}


@pytest.mark.parametrize("name", CASES)
def test_damaged_input_is_named_with_its_cause(models, tmp_path, name):
    case = CASES[name]
    source = models[case.model]
    copy = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, copy)
    else:
        shutil.copy(source, copy)
    case.damage(copy / case.file if case.file else copy)
    named = copy / (case.named if case.named is not None else case.file)
    _assert_fails(tmp_path, copy / case.input, *case.flags,
                  expect=[f"{named} {case.cause}", *case.also])
