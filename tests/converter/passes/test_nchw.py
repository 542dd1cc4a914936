"""Channels-first ops as channels-last (passes/nchw.py): each NCHW convolution, pooling,
BiasAdd and batch norm becomes Transpose -> the op in NHWC -> Transpose back, under its name."""

import pytest
import tensorflow as tf

from tests.converter import graphs
from tools.converter.passes import nchw

X_SHAPE = (2, 3, 8, 8)  # channels first
STRIDED = {"strides": [1, 1, 2, 2], "padding": "SAME"}


def _nchw_graph(op, x="x", padding=None, read_output=0, data_format="NCHW", **attrs):
    """x -> ``op`` ``node`` (channels first) -> ``out`` (output ``read_output``)."""
    graph_def = graphs.with_input(x)
    inputs = [x]
    if op in ("Conv2D", "DepthwiseConv2dNative"):
        inputs.append(graphs.const(graph_def, "w", graphs.random((3, 3, 3, 2), 2)))
        attrs = {**STRIDED, "dilations": [1, 1, 1, 1], **attrs}
    elif op in ("MaxPool", "AvgPool"):
        attrs = {**STRIDED, "ksize": [1, 1, 3, 2], **attrs}
    elif op == "BiasAdd":
        inputs.append(graphs.const(graph_def, "b", graphs.random(3, 2)))
    else:  # FusedBatchNormV3, inference
        inputs += [graphs.const(graph_def, name, graphs.random(3, seed) ** 2 + 0.5)
                   for seed, name in enumerate(("gamma", "beta", "mean", "variance"))]
        attrs = {"is_training": False, "epsilon": 0.001, **attrs}
    if padding:
        attrs["padding"] = padding
    graphs.add(graph_def, "node", op, inputs, data_format=data_format, **attrs)
    if op == "FusedBatchNormV3":
        graphs.node(graph_def, "node").attr["U"].type = graphs.FLOAT
    graphs.add(graph_def, "out", "Identity", [f"node:{read_output}" if read_output else "node"])
    return graph_def


@pytest.mark.parametrize("op", ["Conv2D", "DepthwiseConv2dNative", "MaxPool", "AvgPool",
                                "BiasAdd", "FusedBatchNormV3"])
def test_op_runs_channels_last_between_transposes(op):
    graph_def = _nchw_graph(op)
    before = graphs.copy(graph_def)
    assert nchw.nchw_as_nhwc(graph_def) == 1
    back, inner = graphs.node(graph_def, "node"), graphs.node(graph_def, "node/nhwc")
    to_nhwc = graphs.node(graph_def, inner.input[0])
    assert (back.op, back.input[0]) == ("Transpose", "node/nhwc")
    assert (inner.op, inner.attr["data_format"].s) == (op, b"NHWC")
    assert (to_nhwc.op, to_nhwc.input[0]) == ("Transpose", "x")
    for attr, nhwc_value in (("strides", [1, 2, 2, 1]), ("ksize", [1, 3, 2, 1])):
        if attr in inner.attr:
            assert list(inner.attr[attr].list.i) == nhwc_value
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.random(X_SHAPE, 1)})


@pytest.mark.parametrize("case", [
    dict(op="Conv2D", data_format="NHWC"),
    dict(op="Conv2D", padding="EXPLICIT", explicit_paddings=[0, 0, 0, 0, 1, 1, 1, 1]),
    dict(op="FusedBatchNormV3", read_output=1),  # the batch mean
], ids=["nhwc", "explicit padding", "other output read"])
def test_op_left_alone(case):
    assert graphs.assert_unchanged(nchw.nchw_as_nhwc, _nchw_graph(**case)) == 0


@pytest.mark.xfail(strict=True, raises=tf.errors.InvalidArgumentError,
                   reason="the transposes assume 4-D; an NCHW BiasAdd may be 3-D or 5-D "
                   "(tf.nn.bias_add writes NCHW for any NC* format)")
def test_bias_add_on_3d_input_keeps_its_values():
    graph_def = _nchw_graph("BiasAdd")
    before = graphs.copy(graph_def)
    nchw.nchw_as_nhwc(graph_def)
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.random(X_SHAPE[:3], 1)})
