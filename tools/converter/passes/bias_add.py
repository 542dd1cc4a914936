"""Bias-add normalisation: a constant per-channel add after Conv2D, DepthwiseConv2dNative or
MatMul becomes ``BiasAdd``, which grappler's remapper and our depthwise fusion fuse into one op
TF.js runs as a single kernel (Keras and tf.function write the bias as a broadcast add).

Rewrites are made only where they provably mean the same: a constant 1-D bias whose length is
the producer's output channel count, read off its constant weights. Grappler's arithmetic
optimiser may have merged the bias into an AddN with a residual input (``AddV2(AddN(conv, r),
bias)``); that is split back into ``AddV2(BiasAdd(conv, bias), r)``, the form tf_keras models
have, so both Keras versions reach the same graph.
"""

from tensorflow.core.framework import node_def_pb2

from tools.converter import graph_edit, graph_view

_ADDS = ("Add", "AddV2")
PRODUCERS = ("Conv2D", "DepthwiseConv2dNative", "MatMul")


def _output_channels(producer, nodes):
    """Channels in the last dimension of the producer's output, when its weights are constant."""
    weights = graph_edit.const_value(nodes.get(graph_view.node_name(producer.input[1])))
    if weights is None or not graph_view.is_nhwc(producer):
        return None
    if producer.op == "Conv2D" and weights.ndim == 4:
        return weights.shape[3]
    if producer.op == "DepthwiseConv2dNative" and weights.ndim == 4:
        return weights.shape[2] * weights.shape[3]
    if producer.op == "MatMul" and weights.ndim == 2:
        return weights.shape[0] if producer.attr["transpose_b"].b else weights.shape[1]
    return None


def _bias_for(data, bias, nodes):
    """Whether ``bias`` (a tensor name) is a constant bias for the output ``data``."""
    producer = nodes.get(graph_view.node_name(data))
    value = graph_edit.const_value(nodes.get(graph_view.node_name(bias)))
    return (producer is not None and producer.op in PRODUCERS and ":" not in data
            and value is not None and value.ndim == 1
            and _output_channels(producer, nodes) == value.shape[0])


def _as_bias_add(node, data, bias):
    node.op = "BiasAdd"
    node.input[:] = [data, bias]
    node.attr["data_format"].s = b"NHWC"


def _split_bias_from_add_n(graph_def, node, nodes, readers):
    """``AddV2(AddN(conv, r), bias)`` -> ``AddV2(BiasAdd(conv, bias), r)``.

    Returns the name of the AddN left unused, or None.
    """
    for add_n_input, bias in (node.input, reversed(node.input)):
        add_n = nodes.get(graph_view.node_name(add_n_input))
        if (add_n is None or add_n.op != "AddN" or len(add_n.input) != 2
                or readers[add_n.name] != [node.name]):
            continue
        for data, residual in (add_n.input, reversed(add_n.input)):
            if _bias_for(data, bias, nodes):
                bias_add = node_def_pb2.NodeDef(
                    name=graph_edit.unique_name(graph_def, f"{node.name}/bias_add"))
                bias_add.attr["T"].CopyFrom(node.attr["T"])
                _as_bias_add(bias_add, data, bias)
                graph_def.node.append(bias_add)
                node.op = "AddV2"
                node.input[:] = [bias_add.name, residual]
                return add_n.name
    return None


def normalize_bias_adds(graph_def):
    """Rewrites the qualifying adds of ``graph_def`` (in place) into BiasAdd."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    unused = set()
    for node, orders in graph_view.binary_nodes(graph_def, _ADDS):
        for data, bias in orders:
            if _bias_for(data, bias, nodes):
                _as_bias_add(node, data, bias)
                break
        else:
            unused.add(_split_bias_from_add_n(graph_def, node, nodes, readers))
    # Removing rebuilds the node list, so it waits until no node is held any more.
    graph_edit.remove_nodes(graph_def, unused - {None})
