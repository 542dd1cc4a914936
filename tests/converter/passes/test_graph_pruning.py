"""Pruning (passes/graph_pruning.py): a copy with only what the fetched nodes need, through data
and control inputs, and only the functions (and gradients) the kept nodes reach."""

import pytest

from tests.converter import graphs
from tools.converter.passes import graph_pruning


def _graph():
    """out = Relu(x + c) after ^d; ``unused`` = Neg(x)."""
    graph_def = graphs.with_input()
    graph_def.versions.producer = 1234
    graphs.const(graph_def, "c", graphs.random(3, 2))
    graphs.add(graph_def, "unused", "Neg", ["x"])
    graphs.add(graph_def, "sum", "AddV2", ["x", "c"])
    graphs.const(graph_def, "d", 1.0)
    graphs.add(graph_def, "relu", "Relu", ["sum", "^d"])
    graphs.add(graph_def, "out", "Identity", ["relu"])
    return graph_def


def test_keeps_what_the_output_needs_in_order():
    graph_def = _graph()
    before = graphs.copy(graph_def)
    pruned = graph_pruning.prune(graph_def, ["out"])
    assert [n.name for n in pruned.node] == ["x", "c", "sum", "d", "relu", "out"]
    assert pruned.versions.producer == 1234
    assert graph_def == before  # a copy: the input is unchanged
    graphs.assert_same_values(before, pruned, ["out"], {"x": graphs.random(3, 1)})


def test_keeps_a_fetched_node_nothing_reads():
    pruned = graph_pruning.prune(_graph(), ["out", "unused"])
    assert set(graphs.ops(pruned)) == set(graphs.ops(_graph()))


def test_unknown_node_is_a_key_error():
    with pytest.raises(KeyError, match="missing"):
        graph_pruning.prune(_graph(), ["out", "missing"])


def _add_function(graph_def, name, calls=()):
    """A function ``name`` whose body has a node calling each of ``calls``, and a gradient."""
    function = graph_def.library.function.add()
    function.signature.name = name
    for index, called in enumerate(calls):
        function.node_def.add(name=f"call{index}", op="PartitionedCall").attr["f"].func.name = (
            called)
    graph_def.library.gradient.add(function_name=name, gradient_func=f"{name}_grad")


def test_keeps_the_functions_the_kept_nodes_reach():
    graph_def = _graph()
    for name, calls in (("called", ["nested"]), ("nested", []), ("branch", []),
                        ("unreached", []), ("only_from_unused", [])):
        _add_function(graph_def, name, calls)
    graphs.node(graph_def, "relu").attr["f"].func.name = "called"
    graphs.node(graph_def, "sum").attr["branches"].list.func.add(name="branch")
    graphs.node(graph_def, "unused").attr["f"].func.name = "only_from_unused"
    pruned = graph_pruning.prune(graph_def, ["out"])
    assert [f.signature.name for f in pruned.library.function] == ["called", "nested", "branch"]
    assert [g.function_name for g in pruned.library.gradient] == ["called", "nested", "branch"]
