"""Flags that shape the graph model: structured outputs, metadata, shards, quantisation,
control flow form -- each checked in the written files and in TF.js."""

import base64
import json

import numpy as np
import pytest
import tensorflow as tf

from tests.converter import model_zoo, tfjs


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("zoo")
    return lambda name: model_zoo.build(name, workdir)


def _model_json(directory):
    return json.loads((directory / "model.json").read_text())


def test_structured_outputs_come_back_as_a_dict(zoo, tmp_path):
    case = zoo("dict_outputs")
    tfjs.convert(case.input_path, tmp_path, "--use_structured_outputs_names")
    keys = _model_json(tmp_path)["userDefinedMetadata"]["structuredOutputKeys"]
    assert sorted(keys) == sorted(case.expected)
    ran = tfjs.run(tmp_path, case.inputs, predict=True)
    assert set(ran["outputs"]["structured"]) == set(case.expected)
    for key, expected in case.expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"]["structured"][key]), expected, key)


def test_each_output_has_its_own_node(zoo, tmp_path):
    case = zoo("dict_outputs")
    tfjs.convert(case.input_path, tmp_path)
    outputs = _model_json(tmp_path)["signature"]["outputs"]
    names = [entry["name"] for entry in outputs.values()]
    assert len({name.split(":")[0] for name in names}) == len(names) == 3


def test_metadata_is_stored(zoo, tmp_path):
    case = zoo("tf2_variables")
    meta = tmp_path / "labels file.json"
    meta.write_text(json.dumps({"labels": ["cat", "dog"], "version": 3}))
    tfjs.convert(case.input_path, tmp_path / "out", f"--metadata=labels:{meta}")
    stored = _model_json(tmp_path / "out")["userDefinedMetadata"]
    assert stored == {"labels": {"labels": ["cat", "dog"], "version": 3}}


def test_small_shards_still_load(zoo, tmp_path):
    case = zoo("tf2_variables")
    tfjs.convert(case.input_path, tmp_path, "--weight_shard_size_bytes", "100")
    manifest = _model_json(tmp_path)["weightsManifest"]
    paths = manifest[0]["paths"]
    count = len(paths)
    assert count > 2 and paths == [f"group1-shard{i}of{count}.bin" for i in range(1, count + 1)]
    sizes = [(tmp_path / p).stat().st_size for p in paths]
    assert all(size == 100 for size in sizes[:-1]) and 0 < sizes[-1] <= 100
    ran = tfjs.run(tmp_path, case.inputs)
    for key, expected in case.expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"][key]), expected, key)


def test_bare_quantize_flag_before_the_paths(zoo, tmp_path):
    case = zoo("tf2_variables")
    tfjs.convert(case.input_path, tmp_path, "--quantize_float16")
    weights = _model_json(tmp_path)["weightsManifest"][0]["weights"]
    floats = [w for w in weights if w["dtype"] == "float32"]
    assert floats and all(w["quantization"] == {"dtype": "float16", "original_dtype": "float32"}
                          for w in floats)
    ran = tfjs.run(tmp_path, case.inputs)
    for key, expected in case.expected.items():
        np.testing.assert_allclose(tfjs.as_array(ran["outputs"][key]), expected, atol=2e-2)


def _ops(model):
    nodes = list(model["modelTopology"]["node"])
    for function in model["modelTopology"].get("library", {}).get("function", []):
        nodes += function.get("nodeDef", [])
    return {node["op"] for node in nodes}


def test_control_flow_stays_functional_by_default(zoo, tmp_path):
    case = zoo("nested_while")
    tfjs.convert(case.input_path, tmp_path / "v2")
    tfjs.convert(case.input_path, tmp_path / "lowered", "--control_flow_v2=false")
    assert "StatelessWhile" in _ops(_model_json(tmp_path / "v2"))
    lowered = _ops(_model_json(tmp_path / "lowered"))
    assert {"Enter", "Exit", "Merge", "Switch", "NextIteration"} <= lowered
    assert not lowered & {"While", "StatelessWhile", "If", "StatelessIf"}


def _fused_ops(model):
    return {node["name"]: [base64.b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]
            for node in model["modelTopology"]["node"] if node["op"].startswith("_Fused")}


def test_conv_bias_relu_becomes_one_fused_conv(zoo, tmp_path):
    case = zoo("conv_bn_relu")
    tfjs.convert(case.input_path, tmp_path)
    model = _model_json(tmp_path)
    assert list(_fused_ops(model).values()) == [["BiasAdd", "Relu"]]
    assert not _ops(model) & {"Conv2D", "AddV2", "BiasAdd", "Relu", "Mul"}


def test_fused_activation_tfjs_lacks_is_split_off_and_runs(tmp_path):
    rng = np.random.default_rng(3)
    w = tf.constant(rng.standard_normal((4, 3)).astype("float32"))
    b = tf.constant(rng.standard_normal(3).astype("float32"))
    serve = tf.function(lambda x: {"y": tf.tanh(tf.matmul(x, w) + b)},
                        input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    tf.saved_model.save(tf.Module(), str(tmp_path / "dense_tanh"),
                        signatures={"serving_default": serve})
    tfjs.convert(tmp_path / "dense_tanh", tmp_path / "web")
    model = _model_json(tmp_path / "web")
    assert list(_fused_ops(model).values()) == [["BiasAdd"]]
    assert "Tanh" in _ops(model)
    x = rng.standard_normal((2, 4)).astype("float32")
    ran = tfjs.run(tmp_path / "web", {"x": x})
    tfjs.assert_matches(tfjs.as_array(ran["outputs"]["y"]), serve(x)["y"].numpy(), "y")


def test_demo_mobilenet_matches_tensorflow_in_tfjs(tmp_path):
    from models import mobilenet_saved_model  # pylint: disable=import-outside-toplevel
    saved_model = tmp_path / "mobilenet_v2"
    mobilenet_saved_model.build(seed=0).export(str(saved_model), verbose=False)
    tfjs.convert(saved_model, tmp_path / "web")
    image = np.random.default_rng(0).uniform(-1, 1, (2, 224, 224, 3)).astype("float32")
    signature = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    (key, expected), = signature(image=tf.constant(image)).items()
    ran = tfjs.run(tmp_path / "web", {"image": image})
    actual = tfjs.as_array(ran["outputs"][key])
    tfjs.assert_matches(actual, expected.numpy(), key)
    assert (actual.argmax(axis=1) == expected.numpy().argmax(axis=1)).all()


def test_split_weights_by_layer(zoo, tmp_path):
    case = zoo("tf2_variables")
    tfjs.convert(case.input_path, tmp_path, "--split_weights_by_layer")
    manifest = _model_json(tmp_path)["weightsManifest"]
    assert len(manifest) > 1
    for number, group in enumerate(manifest, start=1):
        assert group["paths"] == [f"group{number}-shard1of1.bin"]
        assert len({weight["name"].rpartition("/")[0] for weight in group["weights"]}) == 1
    ran = tfjs.run(tmp_path, case.inputs)
    for key, expected in case.expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"][key]), expected, key)
