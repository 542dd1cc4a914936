"""PReLU fusion (passes/prelu.py): ``relu(x) - alpha * relu(-x)``, as Keras writes it (AddV2 of
Relu(x) and Mul(-alpha, Relu(Neg(x)))), becomes Prelu(x, alpha), which joins a fused op before
it that ends in BiasAdd and feeds nothing else."""

import numpy as np
import pytest

from tests.converter import graphs
from tools.converter.passes import prelu

ALPHA = np.float32(0.2)  # one for all channels, so it fits every producer


def _prelu_graph(x="x", mul_const_first=True, alpha_from_placeholder=False, neg_of=None):
    """``out`` = AddV2 ``add`` of Relu(x) and Mul(-alpha, Relu(Neg(``neg_of`` or x)))."""
    graph_def = graphs.with_input()
    negative_alpha = (graphs.placeholder(graph_def, "negative_alpha") if alpha_from_placeholder
                      else graphs.const(graph_def, "negative_alpha", -ALPHA))
    graphs.add(graph_def, "relu", "Relu", [x])
    graphs.add(graph_def, "neg", "Neg", [neg_of or x])
    graphs.add(graph_def, "relu_neg", "Relu", ["neg"])
    graphs.add(graph_def, "mul", "Mul", [negative_alpha, "relu_neg"] if mul_const_first
               else ["relu_neg", negative_alpha])
    graphs.add(graph_def, "add", "AddV2", ["relu", "mul"])
    graphs.add(graph_def, "out", "Identity", ["add"])
    return graph_def


@pytest.mark.parametrize("mul_const_first", [True, False], ids=["mul(c, r)", "mul(r, c)"])
def test_subgraph_becomes_prelu(mul_const_first):
    graph_def = _prelu_graph(mul_const_first=mul_const_first)
    before = graphs.copy(graph_def)
    prelu.fuse_prelu(graph_def)
    add = graphs.node(graph_def, "add")
    assert (add.op, list(add.input)) == ("Prelu", ["x", "add/alpha"])
    np.testing.assert_array_equal(
        graphs.graph_edit.const_value(graphs.node(graph_def, "add/alpha")), ALPHA)
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.random((2, 4), 1)})


@pytest.mark.parametrize("case", [
    dict(alpha_from_placeholder=True),
    dict(neg_of="y"),  # relu(x) - alpha * relu(-y)
], ids=["variable alpha", "another tensor negated"])
def test_subgraph_left_alone(case):
    graph_def = _prelu_graph(**case)
    graphs.placeholder(graph_def, "y")
    graphs.assert_unchanged(prelu.fuse_prelu, graph_def)


def _fused_prelu_graph(kind, fused_read_twice=False):
    graph_def = _prelu_graph(x="p")
    graphs.fused(graph_def, kind)
    if fused_read_twice:
        graphs.add(graph_def, "also", "Identity", ["p"])
    return graph_def


@pytest.mark.parametrize("kind", ["MatMul", "DepthwiseConv2dNative"])
def test_prelu_joins_the_fused_op(kind):
    graph_def = _fused_prelu_graph(kind)
    before = graphs.copy(graph_def)
    prelu.fuse_prelu(graph_def)
    fused = graphs.node(graph_def, "p")
    assert graphs.fused_ops(fused) == ["BiasAdd", "Prelu"]
    assert (list(fused.input), fused.attr["num_args"].i) == (["x", "p/w", "p/b", "add/alpha"], 2)
    assert list(graphs.node(graph_def, "out").input) == ["p"]
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(kind)})


def test_prelu_after_a_fused_op_read_elsewhere_stays_apart():
    graph_def = _fused_prelu_graph("MatMul", fused_read_twice=True)
    before = graphs.copy(graph_def)
    prelu.fuse_prelu(graph_def)
    assert graphs.fused_ops(graphs.node(graph_def, "p")) == ["BiasAdd"]
    assert graphs.ops(graph_def)["add"] == "Prelu"
    graphs.assert_same_values(before, graph_def, ["out", "also"],
                              {"x": graphs.input_for("MatMul")})
