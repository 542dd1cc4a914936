"""Reading a graph: tensor names, a node's data and control inputs, nodes by name, consumers.

Tensor names, as inputs spell them: in a GraphDef ``node`` (output 0), ``node:1``, ``^node``
(a control input); in a FunctionDef body ``node:output_arg:index``, or a function argument's
bare name. ``node_name`` reads all of them.
"""

import collections


def node_name(tensor: str) -> str:
    """The node a tensor name refers to: 'a' for '^a', 'a', 'a:1' and 'a:output:0'."""
    return tensor.lstrip("^").split(":")[0]


def is_control(tensor: str) -> bool:
    """Whether an input is a control input ('^a')."""
    return tensor.startswith("^")


def output_index(tensor: str) -> int:
    """GraphDef names: 0 for 'a' and 'a:0', n for 'a:n'."""
    _, _, index = tensor.lstrip("^").partition(":")
    return int(index) if index else 0


def data_inputs(node):
    """The inputs of ``node`` that carry values, in order."""
    return [i for i in node.input if not is_control(i)]


def control_inputs(node):
    """The control inputs ('^a') of ``node``, in order."""
    return [i for i in node.input if is_control(i)]


def is_nhwc(node) -> bool:
    """Whether ``node`` is channels-last: no ``data_format`` or ``NHWC``."""
    # Not node.attr["data_format"]: reading a missing key of a proto map adds it.
    return "data_format" not in node.attr or node.attr["data_format"].s in (b"", b"NHWC")


def nodes_by_name(graph_def):
    """{name: NodeDef} of the graph's nodes (not its functions')."""
    return {n.name: n for n in graph_def.node}


def consumers(graph_def):
    """Maps each node name to the names of the nodes that read it (data or control); a name
    nothing reads maps to []."""
    found = collections.defaultdict(list)
    for node in graph_def.node:
        for tensor in node.input:
            found[node_name(tensor)].append(node.name)
    return found


def binary_nodes(graph_def, ops):
    """The nodes (a list: the caller may add nodes) whose op is in ``ops`` and that have exactly
    two inputs, with both orders of their inputs: [(node, ((a, b), (b, a))), ...]."""
    return [(node, (tuple(node.input), tuple(reversed(node.input))))
            for node in graph_def.node if node.op in ops and len(node.input) == 2]


class GraphView:
    """A graph's nodes by name and each node's consumers, as they were when it was made."""

    def __init__(self, graph_def):
        self.nodes = nodes_by_name(graph_def)
        self.consumers = consumers(graph_def)
