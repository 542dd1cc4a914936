"""Small GraphDef editing helpers shared by the optimisation passes."""

import numpy as np
from tensorflow.core.framework import attr_value_pb2, node_def_pb2
from tensorflow.python.framework import tensor_util

from tools.converter import graph_view, weight_refs


def const_value(node):
    """The value of a Const node (or of a stand-in of the active weight_refs table) as a numpy
    array, or None for any other node."""
    table = weight_refs.active()
    if table is not None and table.is_stand_in(node):
        return table.value(node.name)
    if node is None or node.op != "Const":
        return None
    return tensor_util.MakeNdarray(node.attr["value"].tensor)


def make_const(name, value: np.ndarray):
    """A Const NodeDef holding ``value``; a stand-in for it when the active weight_refs table
    keeps values that large out of the graph."""
    table = weight_refs.active()
    if table is not None and table.is_large(value):
        return table.stand_in_for(name, value)
    return plain_const(name, value)


def plain_const(name, value: np.ndarray):
    """A Const NodeDef holding ``value``, whatever its size."""
    node = node_def_pb2.NodeDef(name=name, op="Const")
    node.attr["dtype"].CopyFrom(attr_value_pb2.AttrValue(
        type=tensor_util.make_tensor_proto(value).dtype))
    node.attr["value"].tensor.CopyFrom(tensor_util.make_tensor_proto(value))
    return node


def claim_name(base, taken):
    """``base``, or ``base_<n>`` when ``taken`` holds it; the name is added to ``taken``."""
    name, n = base, 1
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def unique_name(graph_def, base):
    """``base``, or ``base_<n>`` when a node of ``graph_def`` already has that name."""
    return claim_name(base, {n.name for n in graph_def.node})


def nodes_with_other_outputs_read(graph_def):
    """Names of the nodes some node reads an output other than output 0 of."""
    return {graph_view.node_name(t) for n in graph_def.node for t in n.input
            if not graph_view.is_control(t) and graph_view.output_index(t) > 0}


def behind_identities(nodes, tensor):
    """The node that ``tensor`` comes from once Identity nodes are passed (``nodes``: by name),
    or None."""
    node = nodes.get(graph_view.node_name(tensor))
    while node is not None and node.op == "Identity":
        node = nodes.get(graph_view.node_name(node.input[0]))
    return node


def reroute(graph_def, old, new):
    """Makes every reader of node ``old`` (output 0) read node ``new`` instead."""
    for node in graph_def.node:
        for i, tensor in enumerate(node.input):
            if tensor in (old, f"{old}:0"):
                node.input[i] = new
            elif tensor == f"^{old}":
                node.input[i] = f"^{new}"


def remove_nodes(graph_def, names):
    """Deletes the named nodes from ``graph_def``.

    The node list is rebuilt: NodeDefs held from before are detached copies afterwards.
    """
    kept = [n for n in graph_def.node if n.name not in names]
    del graph_def.node[:]
    graph_def.node.extend(kept)
