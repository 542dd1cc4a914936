"""Rewriting ops TF.js lacks (legalize/op_rewrites.py) as exact compositions: Erfc, Softsign,
matrix-product Einsum and training-mode FusedBatchNorm; the graph computes what it did."""

import numpy as np
import pytest

from tests.converter import graphs
from tools.converter.legalize import op_rewrites


def _unary_graph(op):
    graph_def = graphs.with_input()
    graphs.add(graph_def, "node", op, ["x"])
    return graph_def


@pytest.mark.parametrize("op,new_op", [("Erfc", "Sub"), ("Softsign", "RealDiv")])
def test_unary_op_becomes_a_composition(op, new_op):
    graph_def = _unary_graph(op)
    before = graphs.copy(graph_def)
    assert op_rewrites.rewrite_unsupported_ops(graph_def) == {op: 1}
    assert graphs.ops(graph_def)["node"] == new_op
    assert op not in graphs.ops(graph_def).values()
    graphs.assert_same_values(before, graph_def, ["node"], {"x": graphs.random((3, 4), 1) * 3})


def _einsum_graph(equation, lhs_shape, rhs_shape):
    graph_def = graphs.with_input("lhs")
    graphs.const(graph_def, "rhs", graphs.random(rhs_shape, 2))
    graphs.add(graph_def, "node", "Einsum", ["lhs", "rhs"], equation=equation, N=2)
    return graph_def, {"lhs": graphs.random(lhs_shape, 1)}


@pytest.mark.parametrize("equation,lhs_shape,rhs_shape,adjoints", [
    ("ij,jk->ik", (2, 3), (3, 4), (False, False)),
    ("bji,bjk->bik", (5, 3, 2), (5, 3, 4), (True, False)),
    ("bij,kj->bik", (5, 2, 3), (4, 3), (False, True)),
    ("ji,kj->ik", (3, 2), (4, 3), (True, True)),
])
def test_matrix_product_einsum_becomes_batch_matmul(equation, lhs_shape, rhs_shape, adjoints):
    graph_def, feeds = _einsum_graph(equation, lhs_shape, rhs_shape)
    before = graphs.copy(graph_def)
    op_rewrites.rewrite_unsupported_ops(graph_def)
    node = graphs.node(graph_def, "node")
    assert (node.op, node.attr["adj_x"].b, node.attr["adj_y"].b) == ("BatchMatMulV2", *adjoints)
    assert "equation" not in node.attr
    graphs.assert_same_values(before, graph_def, ["node"], feeds)


@pytest.mark.parametrize("equation,lhs_shape,rhs_shape", [
    ("ij,ij->ij", (2, 3), (2, 3)),  # elementwise
    ("ij,jk->ki", (2, 3), (3, 4)),  # transposed result
    ("bij,cjk->bcik", (2, 2, 3), (4, 3, 2)),  # batch labels differ
])
def test_other_einsum_is_left_alone(equation, lhs_shape, rhs_shape):
    graph_def, _ = _einsum_graph(equation, lhs_shape, rhs_shape)
    assert graphs.assert_unchanged(op_rewrites.rewrite_unsupported_ops, graph_def) == {}


def _batch_norm_graph(is_training=True, data_format="NHWC", read_output=0):
    """x -> FusedBatchNormV3 ``bn`` -> ``out`` (output ``read_output``)."""
    graph_def = graphs.with_input()
    scale, offset = (graphs.const(graph_def, name, graphs.random(3, seed))
                     for seed, name in ((2, "scale"), (3, "offset")))
    empty = graphs.const(graph_def, "empty", np.zeros(0, np.float32))
    graphs.add(graph_def, "bn", "FusedBatchNormV3", ["x", scale, offset, empty, empty],
               epsilon=0.001, is_training=is_training, data_format=data_format)
    graphs.node(graph_def, "bn").attr["U"].type = graphs.FLOAT
    graphs.add(graph_def, "out", "Identity", [f"bn:{read_output}" if read_output else "bn"])
    return graph_def


@pytest.mark.parametrize("data_format,shape", [("NHWC", (2, 4, 5, 3)), ("NCHW", (2, 3, 4, 5))])
def test_training_batch_norm_becomes_its_arithmetic(data_format, shape):
    graph_def = _batch_norm_graph(data_format=data_format)
    before = graphs.copy(graph_def)
    assert op_rewrites.rewrite_unsupported_ops(graph_def) == {"FusedBatchNormV3": 1}
    assert graphs.ops(graph_def)["bn"] == "AddV2"
    assert "FusedBatchNormV3" not in graphs.ops(graph_def).values()
    x = graphs.random(shape, 1) * 2 + 1
    graphs.assert_same_values(before, graph_def, ["out"], {"x": x}, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", [dict(is_training=False), dict(read_output=1)],
                         ids=["inference", "batch mean read"])
def test_batch_norm_left_alone(case):
    rewrite = op_rewrites.rewrite_unsupported_ops
    assert graphs.assert_unchanged(rewrite, _batch_norm_graph(**case)) == {}
