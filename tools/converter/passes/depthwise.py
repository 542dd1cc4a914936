"""Fuses DepthwiseConv2dNative + BiasAdd (+ an activation TF.js fuses) into
FusedDepthwiseConv2dNative, which TF.js runs as one kernel; grappler does not make this fusion."""

from tensorflow.core.framework import node_def_pb2

from tools.converter import graph_view
from tools.converter.legalize.fused_ops import TFJS_FUSABLE_ACTIVATIONS

_COPIED_ATTRS = ("T", "strides", "padding", "explicit_paddings", "data_format", "dilations")


def _only_reader(node_name, readers, nodes):
    names = readers.get(node_name, [])
    return nodes[names[0]] if len(names) == 1 else None


def fuse_depthwise_convolutions(graph_def):
    """Rewrites DepthwiseConv2dNative -> BiasAdd [-> activation] chains in place."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    removed = set()
    for conv in list(graph_def.node):
        if conv.op != "DepthwiseConv2dNative" or not graph_view.is_nhwc(conv):
            continue
        bias_add = _only_reader(conv.name, readers, nodes)
        if (bias_add is None or bias_add.op != "BiasAdd"
                or graph_view.node_name(bias_add.input[0]) != conv.name):
            continue
        chain, fused_ops = [conv, bias_add], ["BiasAdd"]
        activation = _only_reader(bias_add.name, readers, nodes)
        if (activation is not None and activation.op in TFJS_FUSABLE_ACTIVATIONS
                and list(activation.input) in ([bias_add.name], [f"{bias_add.name}:0"])):
            chain.append(activation)
            fused_ops.append(activation.op)
        last = chain[-1]
        fused = node_def_pb2.NodeDef(name=last.name, op="FusedDepthwiseConv2dNative",
                                     input=[conv.input[0], conv.input[1], bias_add.input[1]])
        for attr in _COPIED_ATTRS:
            if attr in conv.attr:
                fused.attr[attr].CopyFrom(conv.attr[attr])
        fused.attr["fused_ops"].list.s.extend(op.encode() for op in fused_ops)
        fused.attr["num_args"].i = 1
        if last.op == "LeakyRelu":
            fused.attr["leakyrelu_alpha"].f = last.attr["alpha"].f
        removed.update(n.name for n in chain)
        graph_def.node.append(fused)
    kept = [n for n in graph_def.node
            if n.name not in removed or n.op == "FusedDepthwiseConv2dNative"]
    del graph_def.node[:]
    graph_def.node.extend(kept)
