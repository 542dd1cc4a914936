"""Freezing (passes/freezer.py): variables become constants, function calls are inlined,
If/While stay functional (lowered to Switch/Merge only when asked), gathers from a variable in
a branch read the constant, and the functions keep their own names."""

import re

import numpy as np
import pytest
import tensorflow as tf

from tests.converter import graphs
from tools.converter.passes import freezer, graph_pruning

SCALE = np.array([1.0, -2.0, 3.0], np.float32)
TABLE = graphs.random((4, 3), 2)


def _model():
    """out = (table[[1, 2]] + x * v) if sum(x) > 0 else (x * v - v): v read in a called
    function, table gathered in a branch; returns (graph_def, variable values)."""
    with tf.Graph().as_default() as graph:
        x = tf.compat.v1.placeholder(tf.float32, (2, 3), name="x")
        scale = tf.compat.v1.get_variable("v", initializer=np.zeros(3, np.float32),
                                          use_resource=True)
        table = tf.compat.v1.get_variable("table", initializer=np.zeros((4, 3), np.float32),
                                          use_resource=True)
        scaled = tf.function(lambda t: t * scale)(x)
        result = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.gather(table, [1, 2]) + scaled,
                         lambda: scaled - scale, name="branch")
        tf.identity(result, name="out")
    # The initialisers go: freezing starts from the graph that computes the outputs.
    return graph_pruning.prune(graph.as_graph_def(), ["out"]), {"v": SCALE, "table": TABLE}


def _expected(x):
    return TABLE[[1, 2]] + x * SCALE if x.sum() > 0 else x * SCALE - SCALE


def _base(function_name):
    """A function's name without TensorFlow's numeric suffix."""
    return re.sub(r"_\d+$", "", function_name)


def _all_ops(graph_def):
    return {n.op for n in graph_def.node} | {
        n.op for f in graph_def.library.function for n in f.node_def}


@pytest.mark.parametrize("lower", [False, True], ids=["functional", "lowered"])
def test_frozen_graph_computes_the_same(lower):
    frozen = freezer.freeze(*_model(), ["x", "out"], lower)
    assert not {"VarHandleOp", "ReadVariableOp", "ResourceGather"} & _all_ops(frozen)
    assert "StatefulPartitionedCall" not in graphs.ops(frozen).values()
    for sign in (1, -1):
        x = np.abs(graphs.random((2, 3), 1)) * sign
        np.testing.assert_allclose(graphs.run(frozen, ["out"], {"x": x})[0], _expected(x),
                                   rtol=1e-6)


def test_if_is_kept_with_its_branches_named_as_before():
    graph_def, values = _model()
    branches = {graphs.node(graph_def, "branch").attr[a].func.name
                for a in ("then_branch", "else_branch")}
    frozen = freezer.freeze(graph_def, values, ["x", "out"], False)
    branch = graphs.node(frozen, "branch")
    assert branch.op in ("If", "StatelessIf")
    assert branch.attr["_lower_using_switch_merge"].b is False
    names = {f.signature.name for f in frozen.library.function}
    assert {branch.attr[a].func.name for a in ("then_branch", "else_branch")} == names
    assert not any(re.search(r"_frozen_\d+$", name) for name in names)
    assert {_base(name) for name in branches} == {_base(name) for name in names}


def test_if_is_lowered_when_asked():
    frozen = freezer.freeze(*_model(), ["x", "out"], True)
    assert {"Switch", "Merge"} <= set(graphs.ops(frozen).values())
    assert not {"If", "StatelessIf"} & set(graphs.ops(frozen).values())
    assert not frozen.library.function


def test_gather_in_a_branch_reads_the_constant():
    frozen = freezer.freeze(*_model(), ["x", "out"], False)
    branch = graphs.node(frozen, "branch")
    then_branch = next(f for f in frozen.library.function
                       if f.signature.name == branch.attr["then_branch"].func.name)
    gather = next(n for n in then_branch.node_def if n.op.startswith(("Gather", "Resource")))
    assert gather.op == "GatherV2" and len(gather.input) == 3
    assert "dtype" not in gather.attr and gather.attr["Tparams"].type == graphs.FLOAT
