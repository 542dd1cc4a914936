"""Activations the remapper left after a fused Conv2D/MatMul/depthwise convolution join it, when
TF.js can run them fused (``legalize.fused_ops.TFJS_FUSABLE_ACTIVATIONS``)."""

from tools.converter import graph_edit, graph_view
from tools.converter.legalize.fused_ops import FUSED_OPS, TFJS_FUSABLE_ACTIVATIONS


def absorb_activations(graph_def):
    """Moves an activation TF.js fuses into the fused op before it (the remapper leaves some,
    e.g. MatMul + BiasAdd + Sigmoid); the activation node is left for pruning."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    for node in list(graph_def.node):
        if (node.op not in FUSED_OPS or len(readers[node.name]) != 1
                or [s.decode() for s in node.attr["fused_ops"].list.s] != ["BiasAdd"]):
            continue
        activation = nodes[readers[node.name][0]]
        if (activation.op not in TFJS_FUSABLE_ACTIVATIONS or len(activation.input) != 1
                or activation.input[0] != node.name):
            continue
        node.attr["fused_ops"].list.s.append(activation.op.encode())
        if activation.op == "LeakyRelu":
            node.attr["leakyrelu_alpha"].f = activation.attr["alpha"].f
        graph_edit.reroute(graph_def, activation.name, node.name)
