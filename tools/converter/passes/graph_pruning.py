"""Keeps the part of a GraphDef that given nodes depend on, functions included."""

from typing import Iterable

from tensorflow.core.framework import graph_pb2

from tools.converter import graph_view


def _called_functions(node):
    for value in node.attr.values():
        if value.HasField("func"):
            yield value.func.name
        elif value.HasField("list"):
            for function in value.list.func:
                yield function.name


def prune(graph_def: graph_pb2.GraphDef, fetch_nodes: Iterable[str]) -> graph_pb2.GraphDef:
    """Returns a copy of ``graph_def`` with only the nodes (and functions) ``fetch_nodes`` need.

    Node order is kept; the library keeps the functions reachable from the kept nodes.
    """
    nodes = graph_view.nodes_by_name(graph_def)
    wanted = set()
    pending = list(fetch_nodes)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in nodes:
            raise KeyError(name)
        wanted.add(name)
        pending.extend(graph_view.node_name(i) for i in nodes[name].input)
    pruned = graph_pb2.GraphDef()
    pruned.versions.CopyFrom(graph_def.versions)
    pruned.node.extend(n for n in graph_def.node if n.name in wanted)
    _copy_reachable_functions(graph_def.library, pruned)
    return pruned


def _copy_reachable_functions(library, graph_def):
    functions = {f.signature.name: f for f in library.function}
    reachable = set()
    pending = [f for n in graph_def.node for f in _called_functions(n)]
    while pending:
        name = pending.pop()
        if name in reachable or name not in functions:
            continue
        reachable.add(name)
        pending.extend(f for n in functions[name].node_def for f in _called_functions(n))
    graph_def.library.function.extend(f for f in library.function if f.signature.name in reachable)
    graph_def.library.gradient.extend(g for g in library.gradient if g.function_name in reachable)
