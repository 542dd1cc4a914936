"""SavedModels, frozen GraphDefs and TF-Hub modules with one of their files truncated, corrupted or
missing (or of a newer version) fail with one line that names the file and the cause, never an
internal error."""

import dataclasses
import pathlib
import shutil
from typing import Callable, Optional, Tuple

import pytest
import tensorflow as tf

from tests.converter import model_zoo
from tests.converter.test_cli_errors import _assert_fails

MISSING = "is missing"
DAMAGED = "is truncated or corrupted"
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


def _remove(path: pathlib.Path):
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


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


@dataclasses.dataclass(frozen=True)
class Case:
    """``damage`` applied to ``file`` (relative to a copy of model ``model``; "" for the model
    itself) must give ``cause`` naming ``named`` (default: the damaged file)."""

    model: str
    flags: Tuple[str, ...]
    file: str
    damage: Callable[[pathlib.Path], None]
    cause: str
    named: Optional[str] = None


SAVED_MODEL = ("--input_format=tf_saved_model",)
FROZEN = ("--input_format=tf_frozen_model", "--output_node_names=output")
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
    _assert_fails(tmp_path, copy, *case.flags, expect=[f"{named} {case.cause}"])
