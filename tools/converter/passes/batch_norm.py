"""Batch-norm folding: inference batch norms disappear into the weights before them.

tf_keras writes BatchNormalization as FusedBatchNormV3; Keras 3 writes it as a multiply and an
add that grappler partly folds. Both become ``Mul(x, scale) + shift`` here, the scale moves into
the filter of the Conv2D / DepthwiseConv2dNative / MatMul before it, and the shift is left as an
add that bias-add normalisation turns into a BiasAdd -- so a Keras 3 model and its tf_keras twin
reach the same fused graph. Only exact rewrites: constants are combined in float64 and rounded
once to float32.
"""

import numpy as np
from tensorflow.core.framework import node_def_pb2

from tools.converter import graph_edit, graph_view

_BATCH_NORMS = ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
_SCALABLE = ("Conv2D", "DepthwiseConv2dNative", "MatMul")


def decompose_batch_norms(graph_def):
    """Rewrites inference FusedBatchNorm nodes with constant statistics as Mul + AddV2."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    other_outputs_read = graph_edit.nodes_with_other_outputs_read(graph_def)
    for node in list(graph_def.node):
        if (node.op not in _BATCH_NORMS or node.attr["is_training"].b
                or not graph_view.is_nhwc(node)
                or node.name in other_outputs_read or not readers[node.name]):
            continue
        values = [graph_edit.const_value(nodes.get(graph_view.node_name(t)))
                  for t in node.input[1:5]]
        if any(v is None for v in values):
            continue
        gamma, beta, mean, variance = (v.astype(np.float64) for v in values)
        scale = gamma / np.sqrt(variance + node.attr["epsilon"].f)
        shift = beta - mean * scale
        scale_node = graph_edit.make_const(f"{node.name}/folded_scale", scale.astype(np.float32))
        shift_node = graph_edit.make_const(f"{node.name}/folded_shift", shift.astype(np.float32))
        multiply = node_def_pb2.NodeDef(name=f"{node.name}/folded_mul", op="Mul",
                                        input=[node.input[0], scale_node.name])
        multiply.attr["T"].type = node.attr["T"].type
        name = node.name
        node.Clear()
        node.name, node.op = name, "AddV2"
        node.input.extend([multiply.name, shift_node.name])
        node.attr["T"].type = multiply.attr["T"].type
        graph_def.node.extend([scale_node, shift_node, multiply])


def _scaled_weights(producer, weights, scale):
    """``weights`` with each output channel multiplied by ``scale``, or None if not possible."""
    if producer.op == "Conv2D" and weights.ndim == 4 and weights.shape[3] == scale.size:
        return weights * scale
    if producer.op == "DepthwiseConv2dNative" and weights.ndim == 4 and (
            weights.shape[2] * weights.shape[3] == scale.size):
        return weights * scale.reshape(weights.shape[2], weights.shape[3])
    if producer.op == "MatMul" and weights.ndim == 2:
        if producer.attr["transpose_b"].b and weights.shape[0] == scale.size:
            return weights * scale[:, None]
        if not producer.attr["transpose_b"].b and weights.shape[1] == scale.size:
            return weights * scale
    return None


def fold_scales_into_weights(graph_def):
    """Folds ``Mul(conv_or_matmul, constant per-channel scale)`` into the constant weights."""
    view = graph_view.GraphView(graph_def)
    nodes, readers = view.nodes, view.consumers
    folded = set()
    for node, orders in graph_view.binary_nodes(graph_def, ("Mul",)):
        for data, scale_input in orders:
            producer = nodes.get(graph_view.node_name(data))
            scale = graph_edit.const_value(nodes.get(graph_view.node_name(scale_input)))
            if (producer is None or producer.op not in _SCALABLE or ":" in data.strip("^")
                    or readers[producer.name] != [node.name] or scale is None
                    or not graph_view.is_nhwc(producer)):
                continue
            weights_node = nodes.get(graph_view.node_name(producer.input[1]))
            weights = graph_edit.const_value(weights_node)
            if weights is None or scale.size <= 1 or scale.shape[-1] != scale.size:
                continue
            scaled = _scaled_weights(producer, weights.astype(np.float64),
                                     scale.reshape(-1).astype(np.float64))
            if scaled is None:
                continue
            new_weights = graph_edit.make_const(
                graph_edit.unique_name(graph_def, f"{producer.name}/folded_weights"),
                scaled.astype(weights.dtype))
            graph_def.node.append(new_weights)
            producer.input[1] = new_weights.name
            graph_edit.reroute(graph_def, node.name, producer.name)
            folded.add(node.name)
            break
    graph_edit.remove_nodes(graph_def, folded)
