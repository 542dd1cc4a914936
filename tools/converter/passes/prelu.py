"""PReLU fusion: Keras's ``relu(x) - alpha * relu(-x)`` becomes TF.js's ``Prelu(x, alpha)``, and
joins a preceding fused Conv2D/MatMul/depthwise convolution as its activation.

``Prelu`` is a TF.js op, not a TensorFlow one: this pass runs after the last grappler pass.
"""

from tools.converter import graph_edit, graph_view

_FUSABLE = ("_FusedConv2D", "_FusedMatMul", "FusedDepthwiseConv2dNative")


def _match(add, nodes):
    """(x, negative_alpha, subgraph node names) when ``add`` is
    AddV2(Relu(x), Mul(c, Relu(Neg(x)))) with constant c, else None."""
    if add.op not in ("Add", "AddV2") or len(add.input) != 2:
        return None
    for relu_name, mul_name in (add.input, reversed(add.input)):
        relu = nodes.get(graph_view.node_name(relu_name))
        mul = nodes.get(graph_view.node_name(mul_name))
        if relu is None or mul is None or relu.op != "Relu" or mul.op != "Mul":
            continue
        for const_name, relu_neg_name in (mul.input, reversed(mul.input)):
            negative_alpha = graph_edit.const_value(nodes.get(graph_view.node_name(const_name)))
            relu_neg = nodes.get(graph_view.node_name(relu_neg_name))
            if negative_alpha is None or relu_neg is None or relu_neg.op != "Relu":
                continue
            neg = nodes.get(graph_view.node_name(relu_neg.input[0]))
            if neg is not None and neg.op == "Neg" and neg.input[0] == relu.input[0]:
                return relu.input[0], negative_alpha, {relu.name, mul.name, relu_neg.name, neg.name}
    return None


def _absorb(graph_def, prelu, alpha, subgraph, nodes, readers):
    """Moves the PReLU into the fused op before it, if that op ends in BiasAdd and feeds
    nothing but this PReLU."""
    producer = nodes.get(graph_view.node_name(prelu.input[0]))
    private = subgraph | {prelu.name}
    if (producer is None or producer.op not in _FUSABLE or ":" in prelu.input[0]
            or [s.decode() for s in producer.attr["fused_ops"].list.s] != ["BiasAdd"]
            or not set(readers[producer.name]) <= private
            or any(not set(readers[name]) <= private for name in subgraph)):
        return
    data = graph_view.data_inputs(producer)
    control = graph_view.control_inputs(producer)
    producer.input[:] = data + [alpha] + control
    producer.attr["fused_ops"].list.s.append(b"Prelu")
    producer.attr["num_args"].i = 2
    graph_edit.reroute(graph_def, prelu.name, producer.name)


def fuse_prelu(graph_def):
    """Rewrites PReLU subgraphs of ``graph_def`` in place (orphaned nodes are pruned later)."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    for add in list(graph_def.node):
        matched = _match(add, nodes)
        if matched is None:
            continue
        x, negative_alpha, subgraph = matched
        alpha = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{add.name}/alpha"),
                                      -negative_alpha)
        graph_def.node.append(alpha)
        dtype = add.attr["T"].type
        add.ClearField("attr")
        add.op = "Prelu"
        add.input[:] = [x, alpha.name]
        add.attr["T"].type = dtype
        _absorb(graph_def, add, alpha.name, subgraph, nodes, readers)
