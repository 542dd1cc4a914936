"""Bad input fails with exit status 1, one clear line on stderr, and nothing written."""

import pytest
import tensorflow as tf

from tests.converter import model_zoo, tfjs
from tools.converter import errors


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("models")
    built = {name: model_zoo.build(name, workdir) for name in ("tf2_variables", "frozen_graph")}
    built["unsupported_op"] = _save_function(
        workdir / "unsupported_op", tf.TensorSpec([3, 3], tf.float32, name="m"),
        lambda m: {"det": tf.linalg.det(m)})
    built["int64_overflow"] = _save_function(
        workdir / "int64_overflow", tf.TensorSpec([None], tf.int64, name="i"),
        lambda i: {"shifted": i + tf.constant(2**40, tf.int64)})
    return built


def _save_function(path, spec, body):
    function = tf.function(body, input_signature=[spec])
    tf.saved_model.save(tf.Module(), str(path), signatures={"serving_default": function})
    return path


def _assert_fails(tmp_path, input_path, *flags, expect):
    out = tmp_path / "out"
    result = tfjs.convert(input_path, out, *flags, check=False)
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tfjs_converter: error: "), lines[0]
    assert "internal error" not in lines[0], lines[0]
    for text in expect:
        assert text in lines[0], lines[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tfjs-")]
    return lines[0]


def test_missing_input(tmp_path):
    _assert_fails(tmp_path, tmp_path / "no such model",
                  expect=[f"{tmp_path / 'no such model'} is missing (the INPUT path)"])


def test_directory_that_is_not_a_saved_model(tmp_path):
    (tmp_path / "empty").mkdir()
    _assert_fails(tmp_path, tmp_path / "empty",
                  expect=[f"{tmp_path / 'empty'} is not a SavedModel: it has no saved_model.pb"])


def test_unknown_tags_list_the_available_ones(models, tmp_path):
    _assert_fails(tmp_path, models["tf2_variables"].input_path, "--saved_model_tags=gpu,serve",
                  expect=["no meta graph with tags {gpu,serve}", "available tag sets: {serve}"])


def test_unknown_signature_lists_the_available_ones(models, tmp_path):
    _assert_fails(tmp_path, models["tf2_variables"].input_path, "--signature_name=nope",
                  expect=["signature 'nope' does not exist",
                          "available signatures: other, serving_default"])


def test_frozen_model_without_output_node_names(models, tmp_path):
    _assert_fails(tmp_path, models["frozen_graph"].input_path, "--input_format=tf_frozen_model",
                  expect=["--output_node_names is required"])


def test_frozen_model_with_wrong_output_node_names(models, tmp_path):
    _assert_fails(tmp_path, models["frozen_graph"].input_path, "--input_format=tf_frozen_model",
                  "--output_node_names=output,nope", expect=["no node named 'nope'"])


def test_unsupported_op_names_the_op_and_a_node(models, tmp_path):
    line = _assert_fails(tmp_path, models["unsupported_op"], expect=[
        "ops not supported by TensorFlow.js 4.22: MatrixDeterminant (node '"])
    assert "--skip_op_check" in line


def test_skip_op_check_converts_anyway(models, tmp_path):
    tfjs.convert(models["unsupported_op"], tmp_path / "out", "--skip_op_check")
    assert (tmp_path / "out" / "model.json").exists()


def test_int64_constant_that_does_not_fit_int32(models, tmp_path):
    _assert_fails(tmp_path, models["int64_overflow"],
                  expect=[str(2**40), "does not fit the int32"])


@pytest.mark.parametrize("flag,expect", [
    ("--weight_shard_size_bytes=abc", "weight_shard_size_bytes"),
    ("--weight_shard_size_bytes=0", "--weight_shard_size_bytes must be positive"),
    ("--input_format=tf_bogus", "--input_format=tf_bogus is not supported; use one of: "
                                "tf_saved_model, tf_frozen_model, tf_hub"),
    ("--output_format=tfjs_layers_model", "--output_format=tfjs_layers_model is not supported"),
    ("--metadata=nocolon", "is not name:path"),
    ("--no_such_flag", "no_such_flag"),
])
def test_invalid_flag_values(models, tmp_path, flag, expect):
    _assert_fails(tmp_path, models["tf2_variables"].input_path, flag, expect=[expect])


def test_hub_handle_of_another_scheme_is_refused(tmp_path):
    # http(s) handles are downloaded: see tests/remote_models.
    _assert_fails(tmp_path, "gs://bucket/module.tar.gz", "--input_format=tf_hub",
                  expect=["tf_hub handle gs://bucket/module.tar.gz is neither a local directory "
                          "nor an http(s) URL"])


def test_metadata_file_that_is_not_json(models, tmp_path):
    bad = tmp_path / "meta.json"
    bad.write_text("{not json")
    _assert_fails(tmp_path, models["tf2_variables"].input_path, f"--metadata=info:{bad}",
                  expect=["--metadata info:", "is not JSON"])


def test_output_directory_with_foreign_files_is_left_alone(models, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("keep me")
    result = tfjs.convert(models["tf2_variables"].input_path, out, check=False)
    assert result.returncode == 1
    assert "holds files that are not a converter's output (index.html)" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_previous_output_is_replaced_whole(models, tmp_path):
    out = tmp_path / "out"
    tfjs.convert(models["tf2_variables"].input_path, out, "--weight_shard_size_bytes=64")
    many = sorted(p.name for p in out.iterdir())
    tfjs.convert(models["tf2_variables"].input_path, out)
    assert len(many) > 2
    assert sorted(p.name for p in out.iterdir()) == ["group1-shard1of1.bin", "model.json"]


def test_one_line_keeps_what_an_introducing_line_introduces():
    message = ("A total of 1 objects could not be loaded. Example error message for object "
               "<Dense name=dense>:\n\nLayer 'dense' expected 2 variables\n  detail")
    assert errors.one_line(ValueError(message)) == (
        "A total of 1 objects could not be loaded. Example error message for object "
        "<Dense name=dense>: Layer 'dense' expected 2 variables")
    assert errors.one_line(ValueError("first\nsecond")) == "first"
    assert errors.one_line(KeyError()) == "KeyError"
    assert errors.one_line(KeyError("Unable to open object")) == "Unable to open object"
