"""Bias-add normalisation (passes/bias_add.py): a constant per-channel add after a Conv2D /
depthwise / MatMul becomes BiasAdd, and ``AddV2(AddN(p, r), bias)`` becomes
``AddV2(BiasAdd(p, bias), r)``."""

import pytest

from tests.converter import graphs
from tools.converter.passes import bias_add


def _biased_graph(kind="Conv2D", bias_shape=None, bias_first=False, op="AddV2",
                  data_format="NHWC", bias_from_placeholder=False):
    """x -> producer ``p`` -> ``op``(p, bias) ``add`` -> ``out``."""
    graph_def = graphs.with_input()
    name, channels = graphs.producer(graph_def, kind, data_format=data_format)
    bias = (graphs.placeholder(graph_def, "bias") if bias_from_placeholder else
            graphs.const(graph_def, "bias", graphs.random(bias_shape or (channels,), 2)))
    graphs.add(graph_def, "add", op, [bias, name] if bias_first else [name, bias])
    graphs.add(graph_def, "out", "Identity", ["add"])
    return graph_def


@pytest.mark.parametrize("kind", list(graphs.PRODUCERS))
@pytest.mark.parametrize("op", ["Add", "AddV2"])
def test_add_of_constant_bias_becomes_bias_add(kind, op):
    graph_def = _biased_graph(kind, op=op, bias_first=op == "Add")
    before = graphs.copy(graph_def)
    bias_add.normalize_bias_adds(graph_def)
    add = graphs.node(graph_def, "add")
    assert (add.op, list(add.input), add.attr["data_format"].s) == (
        "BiasAdd", ["p", "bias"], b"NHWC")
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(kind)})


@pytest.mark.parametrize("case", [
    dict(bias_shape=(1,)),  # broadcast, not one per channel
    dict(kind="MatMul", bias_shape=(4, 4)),  # a matrix added to a 4x4 product
    dict(bias_from_placeholder=True),
    dict(data_format="NCHW"),  # channels are not last
], ids=["scalar bias", "2-d bias", "variable bias", "nchw"])
def test_add_left_alone(case):
    graphs.assert_unchanged(bias_add.normalize_bias_adds, _biased_graph(**case))


def _add_n_graph(residual_first=False, add_n_read_twice=False):
    """AddV2(AddN(p, r), bias) ``add`` -> ``out``, with a residual input ``r``."""
    graph_def = graphs.with_input()
    graphs.producer(graph_def, "Conv2D")
    graphs.placeholder(graph_def, "r")
    graphs.add(graph_def, "sum", "AddN", ["r", "p"] if residual_first else ["p", "r"], N=2)
    graphs.add(graph_def, "add", "AddV2", ["sum", graphs.const(graph_def, "bias",
                                                                graphs.random(4, 2))])
    graphs.add(graph_def, "out", "Identity", ["add"])
    if add_n_read_twice:
        graphs.add(graph_def, "also", "Identity", ["sum"])
    return graph_def


@pytest.mark.parametrize("residual_first", [False, True], ids=["addn(p, r)", "addn(r, p)"])
def test_bias_is_split_from_add_n(residual_first):
    graph_def = _add_n_graph(residual_first)
    before = graphs.copy(graph_def)
    bias_add.normalize_bias_adds(graph_def)
    add, biased = graphs.node(graph_def, "add"), graphs.node(graph_def, "add/bias_add")
    assert (add.op, list(add.input)) == ("AddV2", ["add/bias_add", "r"])
    assert (biased.op, list(biased.input)) == ("BiasAdd", ["p", "bias"])
    assert "sum" not in graphs.ops(graph_def)
    feeds = {"x": graphs.input_for("Conv2D"), "r": graphs.random((1, 5, 5, 4), 3)}
    graphs.assert_same_values(before, graph_def, ["out"], feeds)


def test_add_n_read_elsewhere_is_left_alone():
    graphs.assert_unchanged(bias_add.normalize_bias_adds, _add_n_graph(add_n_read_twice=True))
