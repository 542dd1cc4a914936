"""Splitting fusions TF.js cannot run (legalize/fused_ops.py): the node keeps its BiasAdd fused,
the ops after it become separate nodes under its name, and the graph computes what it did."""

import numpy as np
import pytest

from tests.converter import graphs
from tools.converter.errors import ConversionError
from tools.converter.legalize import fused_ops

X = graphs.random((2, 3), 1)


def _fused_matmul_graph(ops, extra_args=()):
    """x -> _FusedMatMul ``m`` fusing ``ops``, with constant extra arguments ``arg<i>``."""
    graph_def = graphs.with_input()
    fused = graphs.node(graph_def, graphs.fused(graph_def, "MatMul", "m", fused_ops_=ops))
    fused.input.extend(graphs.const(graph_def, f"arg{i}", value)
                       for i, value in enumerate(extra_args))
    fused.attr["num_args"].i += len(extra_args)
    fused.attr["leakyrelu_alpha"].f = 0.25
    return graph_def


def _ops_after_split(graph_def):
    return {n.name: (n.op, graphs.fused_ops(n)) for n in graph_def.node if n.name.startswith("m")}


def test_tanh_is_split_off_and_the_result_is_unchanged():
    graph_def = _fused_matmul_graph(["BiasAdd", "Tanh"])
    before = graphs.run(graph_def, ["m"], {"x": X})[0]
    fused_ops.split_unsupported_fusions(graph_def)
    ops = _ops_after_split(graph_def)
    assert ops["m/fused"] == ("_FusedMatMul", ["BiasAdd"]) and ops["m"] == ("Tanh", [])
    np.testing.assert_allclose(graphs.run(graph_def, ["m"], {"x": X})[0], before, rtol=1e-6)


def test_residual_add_and_leaky_relu_are_split_off():
    residual = graphs.random((2, 4), 2)
    graph_def = _fused_matmul_graph(["BiasAdd", "Add", "LeakyRelu"], [residual])
    weights, bias = (graphs.graph_edit.const_value(graphs.node(graph_def, n))
                     for n in ("m/w", "m/b"))
    total = X @ weights + bias + residual
    fused_ops.split_unsupported_fusions(graph_def)
    ops = _ops_after_split(graph_def)
    assert (ops["m/fused"], ops["m/add_0"], ops["m"]) == (
        ("_FusedMatMul", ["BiasAdd"]), ("AddV2", []), ("LeakyRelu", []))
    assert list(graphs.node(graph_def, "m/fused").input) == ["x", "m/w", "m/b"]
    np.testing.assert_allclose(graphs.run(graph_def, ["m"], {"x": X})[0],
                               np.where(total > 0, total, 0.25 * total), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ops,extra_args", [
    (["BiasAdd"], ()), (["BiasAdd", "Relu"], ()), (["BiasAdd", "Sigmoid"], ()),
    # passes/prelu.py fuses PReLU (a TF.js op) before the legalisation, its alpha the extra arg.
    (["BiasAdd", "Prelu"], (np.full(3, 0.25, np.float32),)),
])
def test_fusion_tfjs_runs_is_left_alone(ops, extra_args):
    graphs.assert_unchanged(fused_ops.split_unsupported_fusions,
                            _fused_matmul_graph(ops, extra_args))


@pytest.mark.parametrize("ops", [["Relu"], ["BiasAdd", "GeluExact"]])
def test_fusion_that_cannot_be_split_is_an_error(ops):
    with pytest.raises(ConversionError, match="'m' fuses " + r"\+".join(ops)):
        fused_ops.split_unsupported_fusions(_fused_matmul_graph(ops))
