"""SavedModels whose tables are filled from asset files (vocabularies): the files are read at
conversion time into the initializer graph TF.js runs, and TF.js looks up what TensorFlow does."""

import shutil

import numpy as np
import pytest
import tensorflow as tf

from tests.converter import tfjs

WORDS = np.array([b"banana", b"kiwi", b"apple", b"cherry", b""], dtype=object)


def _vocabulary_model(directory, source):
    """Three tables over two asset files: a whole-line vocabulary, a tab-separated key/value
    file, and a vocabulary with out-of-vocabulary buckets."""
    vocabulary, pairs = source / "vocab.txt", source / "pairs.tsv"
    vocabulary.write_text("apple\nbanana\ncherry\n")
    pairs.write_text("apple\t10\nbanana\t20\ncherry\t30\n")
    module = tf.Module()
    module.ids = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        str(vocabulary), tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
        tf.lookup.TextFileIndex.LINE_NUMBER), -1)
    module.prices = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        str(pairs), tf.string, 0, tf.int64, 1, delimiter="\t"), 0)
    module.buckets = tf.lookup.StaticVocabularyTable(tf.lookup.TextFileInitializer(
        str(vocabulary), tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
        tf.lookup.TextFileIndex.LINE_NUMBER), num_oov_buckets=4)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
    def serve(words):
        return {"ids": module.ids.lookup(words), "prices": module.prices.lookup(words),
                "buckets": module.buckets.lookup(words)}

    tf.saved_model.save(module, str(directory), signatures={"serving_default": serve})
    return {k: v.numpy() for k, v in serve(tf.constant(WORDS)).items()}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("assets")
    (root / "source").mkdir()
    expected = _vocabulary_model(root / "saved model", root / "source")
    shutil.rmtree(root / "source")  # only the SavedModel's own copies of the files remain
    return root / "saved model", expected


def test_tables_from_asset_files_look_up_what_tensorflow_does(model, tmp_path):
    saved_model, expected = model
    tfjs.convert(saved_model, tmp_path / "web")
    ran = tfjs.run(tmp_path / "web", {"words": WORDS}, outputs=sorted(expected))
    for key, value in expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"][key]), value, key)


def test_output_does_not_depend_on_where_the_model_is(model, tmp_path):
    saved_model, _ = model
    moved = tmp_path / "elsewhere" / "model"
    shutil.copytree(saved_model, moved)
    tfjs.convert(saved_model, tmp_path / "a")
    tfjs.convert(moved, tmp_path / "b")
    for name in ("model.json", "group1-shard1of1.bin"):
        first, second = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert first == second, name
        assert str(saved_model).encode() not in first


def test_missing_asset_is_named(model, tmp_path):
    saved_model, _ = model
    broken = tmp_path / "broken"
    shutil.copytree(saved_model, broken)
    (broken / "assets" / "pairs.tsv").unlink()
    result = tfjs.convert(broken, tmp_path / "out", check=False)
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    assert result.stderr == (f"tfjs_converter: error: {broken}/assets/pairs.tsv is missing "
                             "(an asset that saved_model.pb lists)\n")
