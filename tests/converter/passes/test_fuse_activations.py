"""Activation absorption (passes/fuse_activations.py): an activation TF.js fuses, after a fused
op that ends in BiasAdd, joins it; its readers read the fused op."""

import pytest

from tests.converter import graphs
from tools.converter.legalize.fused_ops import TFJS_FUSABLE_ACTIVATIONS
from tools.converter.passes import fuse_activations


def _graph(activation, kind="MatMul", fused_ops=("BiasAdd",), extra_input=None,
           extra_reader=False):
    """x -> fused ``p`` -> ``activation`` ``act`` -> ``out``."""
    graph_def = graphs.with_input()
    graphs.fused(graph_def, kind, fused_ops_=fused_ops)
    alpha = {"alpha": 0.3} if activation == "LeakyRelu" else {}
    graphs.add(graph_def, "act", activation, ["p"] + ([extra_input] if extra_input else []),
               **alpha)
    graphs.add(graph_def, "out", "Identity", ["act"])
    if extra_reader:
        graphs.add(graph_def, "also", "Identity", ["p"])
    return graph_def


@pytest.mark.parametrize("kind,activation", [("MatMul", op) for op in TFJS_FUSABLE_ACTIVATIONS]
                         + [("DepthwiseConv2dNative", "Relu6")])
def test_activation_joins_the_fused_op(kind, activation):
    graph_def = _graph(activation, kind)
    before = graphs.copy(graph_def)
    fuse_activations.absorb_activations(graph_def)
    fused = graphs.node(graph_def, "p")
    assert graphs.fused_ops(fused) == ["BiasAdd", activation]
    assert list(graphs.node(graph_def, "out").input) == ["p"]
    if activation == "LeakyRelu":
        assert fused.attr["leakyrelu_alpha"].f == pytest.approx(0.3)
    graphs.assert_same_values(before, graph_def, ["out"], {"x": graphs.input_for(kind)})


@pytest.mark.parametrize("case", [
    dict(activation="Tanh"),  # TF.js does not fuse it
    dict(activation="Relu", extra_reader=True),
    dict(activation="Relu6", fused_ops=("BiasAdd", "Relu")),
    dict(activation="Relu", extra_input="^x"),
], ids=["tanh", "fused op read twice", "already has an activation", "control input"])
def test_activation_left_alone(case):
    graphs.assert_unchanged(fuse_activations.absorb_activations, _graph(**case))
