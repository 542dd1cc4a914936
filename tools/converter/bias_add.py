"""Bias-add normalisation: ``AddV2(conv_or_matmul, bias)`` becomes ``BiasAdd``.

Grappler's remapper fuses Conv2D/MatMul + BiasAdd (+ activation) into _FusedConv2D/_FusedMatMul,
which TF.js runs as one kernel, but Keras and tf.function write the bias as a broadcast Add.
The rewrite is made only where it provably means the same: a constant 1-D bias whose length is
the producer's output channel count (read off its constant filter or weight matrix).
"""

from tensorflow.python.framework import tensor_util

from tools.converter import graph_pruning

_ADDS = ("Add", "AddV2")


def _const_shape(node):
    if node is None or node.op != "Const":
        return None
    return list(tensor_util.TensorShapeProtoToList(node.attr["value"].tensor.tensor_shape))


def _output_channels(producer, nodes):
    """Channels in the last dimension of the producer's output, when its weights are constant."""
    weight = nodes.get(graph_pruning.input_node_name(producer.input[1])) if len(producer.input) > 1 else None
    shape = _const_shape(weight)
    if not shape or len(shape) < 2:
        return None
    if producer.op == "Conv2D" and producer.attr["data_format"].s in (b"", b"NHWC"):
        return shape[3]
    if producer.op == "MatMul":
        return shape[0] if producer.attr["transpose_b"].b else shape[1]
    return None


def normalize_bias_adds(graph_def):
    """Rewrites qualifying Add/AddV2 nodes of ``graph_def`` (in place) into BiasAdd."""
    nodes = {n.name: n for n in graph_def.node}
    for node in graph_def.node:
        if node.op not in _ADDS or len(node.input) != 2:
            continue
        for data, bias in (node.input, reversed(node.input)):
            producer = nodes.get(graph_pruning.input_node_name(data))
            bias_shape = _const_shape(nodes.get(graph_pruning.input_node_name(bias)))
            if (producer is None or producer.op not in ("Conv2D", "MatMul") or ":" in data
                    or bias_shape is None or len(bias_shape) != 1):
                continue
            if _output_channels(producer, nodes) == bias_shape[0]:
                node.op = "BiasAdd"
                node.input[:] = [data, bias]
                node.attr["data_format"].s = b"NHWC"
                break
