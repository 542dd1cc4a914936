"""Splitting fusions TF.js cannot run: the rewritten graph computes what the fused one did."""

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import graph_pb2

from tools.converter import graph_edit
from tools.converter.legalize import fused_ops


def _fused_matmul_graph(ops, extra_args):
    rng = np.random.default_rng(0)
    graph_def = graph_pb2.GraphDef()
    x = graph_def.node.add(name="x", op="Placeholder")
    x.attr["dtype"].type = tf.float32.as_datatype_enum
    args = ["b"] + [f"arg{i}" for i in range(len(extra_args))]
    graph_def.node.extend([graph_edit.make_const("w", rng.standard_normal((4, 3), np.float32)),
                           graph_edit.make_const("b", rng.standard_normal(3, np.float32))])
    graph_def.node.extend(graph_edit.make_const(n, v) for n, v in zip(args[1:], extra_args))
    fused = graph_def.node.add(name="m", op="_FusedMatMul", input=["x", "w", *args])
    fused.attr["T"].type = tf.float32.as_datatype_enum
    fused.attr["fused_ops"].list.s.extend(op.encode() for op in ops)
    fused.attr["num_args"].i = len(args)
    return graph_def


def _run(graph_def, x):
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        tf.graph_util.import_graph_def(graph_def, name="")
        return session.run("m:0", {"x:0": x})


def test_tanh_is_split_off_and_the_result_is_unchanged():
    graph_def = _fused_matmul_graph(["BiasAdd", "Tanh"], [])
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    before = _run(graph_def, x)
    fused_ops.split_unsupported_fusions(graph_def)
    ops = {n.name: (n.op, [s.decode() for s in n.attr["fused_ops"].list.s]) for n in graph_def.node}
    assert ops["m/fused"] == ("_FusedMatMul", ["BiasAdd"]) and ops["m"] == ("Tanh", [])
    np.testing.assert_allclose(_run(graph_def, x), before, rtol=1e-6)


def test_residual_add_and_relu_are_split_off():
    residual = np.random.default_rng(2).standard_normal((2, 3)).astype(np.float32)
    graph_def = _fused_matmul_graph(["BiasAdd", "Add", "Relu"], [residual])
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    expected = np.maximum(
        x @ graph_edit.const_value(graph_def.node[1]) + graph_edit.const_value(graph_def.node[2])
        + residual, 0)
    fused_ops.split_unsupported_fusions(graph_def)
    assert [n.op for n in graph_def.node][-2:] == ["AddV2", "Relu"]
    assert fused_ops.runnable_by_tfjs(
        [s.decode() for s in graph_def.node[4].attr["fused_ops"].list.s])
    np.testing.assert_allclose(_run(graph_def, x), expected, rtol=1e-5, atol=1e-6)
