"""Self-check of model_zoo: every case builds, is small and deterministic, and its expected
outputs are non-trivial and agree with an independent TF1-Session run of the model on disk
(feeding and fetching the tensors its SignatureDef / output node names point to)."""

import pathlib

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from tests.converter import model_zoo

MAX_MODEL_BYTES = 1 << 20


def _flag(case: model_zoo.ModelCase, name: str) -> str | None:
    values = [f.split("=", 1)[1] for f in case.flags if f.startswith(f"--{name}=")]
    return values[0] if values else None


def _session_run_frozen(case):
    """Checks the case's keys against the GraphDef, then runs it; returns outputs by node name."""
    graph_def = tf.compat.v1.GraphDef.FromString(pathlib.Path(case.input_path).read_bytes())
    nodes = {node.name: node for node in graph_def.node}
    outputs = _flag(case, "output_node_names").split(",")
    assert set(case.expected) == set(outputs)
    for key, value in case.inputs.items():
        assert nodes[key].op == "Placeholder"
        assert tf.as_dtype(nodes[key].attr["dtype"].type).as_numpy_dtype == value.dtype
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        tf.graph_util.import_graph_def(graph_def, name="")
        return sess.run({node: f"{node}:0" for node in outputs},
                        {f"{node}:0": value for node, value in case.inputs.items()})


def _session_run_saved_model(case):
    """Checks the case's keys and dtypes against the SignatureDef, then runs it in a Session."""
    saved_model = saved_model_pb2.SavedModel.FromString(
        (pathlib.Path(case.input_path) / "saved_model.pb").read_bytes())
    (meta_graph,) = saved_model.meta_graphs
    signatures = meta_graph.signature_def
    signature = signatures["serving_default" if "serving_default" in signatures else "default"]
    assert set(case.inputs) == set(signature.inputs)
    assert set(case.expected) == set(signature.outputs)
    for values, infos in ((case.inputs, signature.inputs), (case.expected, signature.outputs)):
        for key, value in values.items():
            assert tf.as_dtype(infos[key].dtype).as_numpy_dtype == value.dtype, key
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        tf.compat.v1.saved_model.loader.load(sess, list(meta_graph.meta_info_def.tags),
                                             case.input_path)
        return sess.run({key: info.name for key, info in signature.outputs.items()},
                        {signature.inputs[key].name: value for key, value in case.inputs.items()})


def _model_bytes(path: pathlib.Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(f.stat().st_size for f in files)


@pytest.mark.parametrize("name", sorted(model_zoo.BUILDERS))
def test_case(name, tmp_path):
    case = model_zoo.build(name, tmp_path / "a")
    assert case.name == name
    assert all(isinstance(flag, str) for flag in case.flags)
    path = pathlib.Path(case.input_path)
    assert path.exists() and path.is_relative_to(tmp_path)
    assert 0 < _model_bytes(path) < MAX_MODEL_BYTES

    for key, value in case.expected.items():
        assert isinstance(value, np.ndarray) and value.size > 0, key
        if value.dtype.kind == "f":
            assert np.all(np.isfinite(value)) and np.any(value != 0), key

    is_frozen = _flag(case, "input_format") == "tf_frozen_model"
    rerun = _session_run_frozen(case) if is_frozen else _session_run_saved_model(case)
    for key, value in case.expected.items():
        assert rerun[key].dtype == value.dtype, key
        if value.dtype.kind == "f":
            np.testing.assert_allclose(rerun[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
        else:
            np.testing.assert_array_equal(rerun[key], value, err_msg=key)

    again = model_zoo.build(name, tmp_path / "b")
    for mine, theirs in ((case.inputs, again.inputs), (case.expected, again.expected)):
        assert mine.keys() == theirs.keys()
        for key in mine:
            np.testing.assert_array_equal(mine[key], theirs[key], err_msg=key)
