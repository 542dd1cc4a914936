"""Depthwise fusion (passes/depthwise.py): DepthwiseConv2dNative -> BiasAdd [-> activation]
becomes one FusedDepthwiseConv2dNative named after the last node of the chain."""

import pytest

from tests.converter import graphs
from tools.converter.legalize.fused_ops import TFJS_FUSABLE_ACTIVATIONS
from tools.converter.passes import depthwise

KIND = "DepthwiseConv2dNative"


def _depthwise_graph(activation=None, data_format="NHWC", bias_op="BiasAdd", extra_reader=None):
    """x -> depthwise ``p`` -> ``bias_op`` ``bias`` [-> ``activation`` ``act``] -> ``out``;
    ``extra_reader`` (a node name) is read by one more Identity."""
    graph_def = graphs.with_input()
    graphs.producer(graph_def, KIND, data_format=data_format)
    graphs.add(graph_def, "bias", bias_op, ["p", graphs.const(graph_def, "b", graphs.random(6, 2))],
               **({"data_format": data_format} if bias_op == "BiasAdd" else {}))
    last = "bias"
    if activation:
        alpha = {"alpha": 0.3} if activation == "LeakyRelu" else {}
        last = graphs.add(graph_def, "act", activation, ["bias"], **alpha)
    graphs.add(graph_def, "out", "Identity", [last])
    if extra_reader:
        graphs.add(graph_def, "also", "Identity", [extra_reader])
    return graph_def


def _assert_fused(graph_def, name, expected_fused_ops):
    fused = graphs.node(graph_def, name)
    assert (fused.op, list(fused.input), graphs.fused_ops(fused)) == (
        "FusedDepthwiseConv2dNative", ["x", "p/w", "b"], expected_fused_ops)
    assert fused.attr["strides"] == graphs.node(_depthwise_graph(), "p").attr["strides"]


@pytest.mark.parametrize("activation", TFJS_FUSABLE_ACTIVATIONS)
def test_bias_and_activation_join_the_convolution(activation):
    graph_def = _depthwise_graph(activation)
    before = graphs.copy(graph_def)
    depthwise.fuse_depthwise_convolutions(graph_def)
    _assert_fused(graph_def, "act", ["BiasAdd", activation])
    assert not {"p", "bias"} & set(graphs.ops(graph_def))
    if activation == "LeakyRelu":
        assert graphs.node(graph_def, "act").attr["leakyrelu_alpha"].f == pytest.approx(0.3)
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(KIND)})


@pytest.mark.parametrize("case", [
    dict(activation="Tanh"),  # TF.js does not fuse it
    dict(activation="Relu", extra_reader="bias"),  # the activation is not the only reader
], ids=["tanh", "bias add read twice"])
def test_only_the_bias_add_joins(case):
    graph_def = _depthwise_graph(**case)
    before = graphs.copy(graph_def)
    depthwise.fuse_depthwise_convolutions(graph_def)
    _assert_fused(graph_def, "bias", ["BiasAdd"])
    assert graphs.ops(graph_def)["act"] == case["activation"]
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(KIND)})


@pytest.mark.parametrize("case", [
    dict(extra_reader="p"),
    dict(bias_op="AddV2"),
    dict(data_format="NCHW"),
], ids=["convolution read twice", "not a bias add", "nchw"])
def test_convolution_left_alone(case):
    graphs.assert_unchanged(depthwise.fuse_depthwise_convolutions,
                            _depthwise_graph("Relu", **case))


def test_activation_only_waiting_for_the_bias_add_stays_apart():
    graph_def = _depthwise_graph()
    graphs.add(graph_def, "act", "Relu", ["x", "^bias"])  # the bias add's only reader
    graphs.node(graph_def, "out").input[:] = ["act"]
    before = graphs.copy(graph_def)
    depthwise.fuse_depthwise_convolutions(graph_def)
    assert graphs.ops(graph_def)["act"] == "Relu"
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(KIND)})
