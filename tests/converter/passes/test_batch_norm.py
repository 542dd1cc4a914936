"""Batch-norm folding (passes/batch_norm.py): an inference FusedBatchNorm becomes Mul + AddV2,
and a constant per-channel Mul after a Conv2D / depthwise / MatMul moves into its weights."""

import numpy as np
import pytest

from tests.converter import graphs
from tools.converter.passes import batch_norm

X_SHAPE = (2, 4, 4, 3)


def _batch_norm_graph(op="FusedBatchNormV3", is_training=False, data_format="NHWC",
                      mean_from_placeholder=False, read_output=1):
    """x -> batch norm ``bn`` -> ``out`` (Identity of output ``read_output``, or no reader)."""
    graph_def = graphs.with_input()
    gamma, beta = graphs.random(3, 2), graphs.random(3, 3)
    mean, variance = graphs.random(3, 4), np.abs(graphs.random(3, 5)) + 0.5
    statistics = [graphs.const(graph_def, n, v) for n, v in
                  (("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", variance))]
    if mean_from_placeholder:
        statistics[2] = graphs.placeholder(graph_def, "mean_input")
    graphs.add(graph_def, "bn", op, ["x", *statistics], epsilon=0.001,
               is_training=is_training, data_format=data_format)
    if op != "FusedBatchNorm":
        graphs.node(graph_def, "bn").attr["U"].type = graphs.FLOAT
    if read_output is not None:
        graphs.add(graph_def, "out", "Identity", [f"bn:{read_output}" if read_output else "bn"])
    return graph_def


@pytest.mark.parametrize("op", ["FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"])
def test_inference_batch_norm_becomes_mul_and_add(op):
    graph_def = _batch_norm_graph(op, read_output=0)
    before = graphs.copy(graph_def)
    batch_norm.decompose_batch_norms(graph_def)
    bn, multiply = graphs.node(graph_def, "bn"), graphs.node(graph_def, "bn/folded_mul")
    assert (bn.op, list(bn.input)) == ("AddV2", ["bn/folded_mul", "bn/folded_shift"])
    assert (multiply.op, list(multiply.input)) == ("Mul", ["x", "bn/folded_scale"])
    assert op not in graphs.ops(graph_def).values()
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.random(X_SHAPE, 1)})


@pytest.mark.parametrize("case", [
    dict(is_training=True, read_output=0),
    dict(data_format="NCHW", read_output=0),
    dict(mean_from_placeholder=True, read_output=0),
    dict(read_output=1),  # the batch mean is read
    dict(read_output=None),  # nothing reads it
], ids=["training", "nchw", "variable mean", "other output read", "unread"])
def test_batch_norm_left_alone(case):
    graphs.assert_unchanged(batch_norm.decompose_batch_norms, _batch_norm_graph(**case))


def _scaled_graph(kind, scale_shape=None, scale_first=False, producer_read_twice=False,
                  data_format="NHWC", weights_from_placeholder=False):
    """x -> producer ``p`` -> Mul by a constant ``scale`` -> ``out``."""
    graph_def = graphs.with_input()
    name, channels = graphs.producer(graph_def, kind, data_format=data_format)
    if weights_from_placeholder:
        graphs.node(graph_def, name).input[1] = graphs.placeholder(graph_def, "w_input")
    scale = graphs.const(graph_def, "scale",
                         graphs.random(scale_shape or (channels,), 2) + 2.0)
    graphs.add(graph_def, "mul", "Mul", [scale, name] if scale_first else [name, scale])
    graphs.add(graph_def, "out", "Identity", ["mul"])
    if producer_read_twice:
        graphs.add(graph_def, "also", "Identity", [name])
    return graph_def


@pytest.mark.parametrize("kind", list(graphs.PRODUCERS))
@pytest.mark.parametrize("scale_first", [False, True], ids=["mul(p, s)", "mul(s, p)"])
def test_scale_moves_into_weights(kind, scale_first):
    graph_def = _scaled_graph(kind, scale_first=scale_first)
    before = graphs.copy(graph_def)
    batch_norm.fold_scales_into_weights(graph_def)
    assert "mul" not in graphs.ops(graph_def)
    assert list(graphs.node(graph_def, "out").input) == ["p"]
    assert list(graphs.node(graph_def, "p").input) == ["x", "p/folded_weights"]
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(kind)})


def test_broadcast_4d_scale_moves_into_conv_weights():
    graph_def = _scaled_graph("Conv2D", scale_shape=(1, 1, 1, 4))
    before = graphs.copy(graph_def)
    batch_norm.fold_scales_into_weights(graph_def)
    assert "mul" not in graphs.ops(graph_def)
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for("Conv2D")})


@pytest.mark.parametrize("case", [
    dict(producer_read_twice=True),
    dict(scale_shape=(1,)),  # one factor for all channels
    dict(scale_shape=(4, 1)),  # not per channel
    dict(weights_from_placeholder=True),
    dict(data_format="NCHW"),
], ids=["producer read twice", "scalar", "not per channel", "variable weights", "nchw"])
def test_scale_left_alone(case):
    graphs.assert_unchanged(batch_norm.fold_scales_into_weights, _scaled_graph("Conv2D", **case))
