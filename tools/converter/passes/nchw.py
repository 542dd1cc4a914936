"""Channels-first ops as channels-last: TF.js runs convolutions, pooling, BiasAdd and batch norms
in NHWC only and does not honour ``data_format: NCHW`` (a channels_first Keras Conv2D fails to
broadcast its bias, a MaxPool pools the wrong axes). Each such op becomes
``Transpose(to NHWC) -> the op in NHWC -> Transpose(back to NCHW)``, which is exact.
"""

import numpy as np
from tensorflow.core.framework import node_def_pb2

from tools.converter import graph_edit

_OPS = ("Conv2D", "DepthwiseConv2dNative", "MaxPool", "AvgPool", "BiasAdd",
        "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
_PER_AXIS_ATTRS = ("strides", "dilations", "ksize")  # one entry per axis, in data_format order
_TO_NHWC, _TO_NCHW = [0, 2, 3, 1], [0, 3, 1, 2]


def _transpose(graph_def, name, tensor, permutation, dtype):
    perm = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{name}/perm"),
                                 np.array(permutation, np.int32))
    node = node_def_pb2.NodeDef(name=name, op="Transpose", input=[tensor, perm.name])
    node.attr["T"].CopyFrom(dtype)
    node.attr["Tperm"].type = perm.attr["dtype"].type
    graph_def.node.extend([perm, node])
    return node


def nchw_as_nhwc(graph_def):
    """Rewrites, in place, every NCHW op TF.js would run as NHWC. Returns how many."""
    other_outputs_read = graph_edit.nodes_with_other_outputs_read(graph_def)
    rewritten = 0
    for node in list(graph_def.node):
        if (node.op not in _OPS or node.attr["data_format"].s != b"NCHW"
                or ("padding" in node.attr and node.attr["padding"].s == b"EXPLICIT")
                or node.name in other_outputs_read):
            continue
        name = node.name
        node.name = graph_edit.unique_name(graph_def, f"{name}/nhwc")
        node.input[0] = _transpose(graph_def, graph_edit.unique_name(graph_def, f"{name}/to_nhwc"),
                                   node.input[0], _TO_NHWC, node.attr["T"]).name
        node.attr["data_format"].s = b"NHWC"
        for attr in _PER_AXIS_ATTRS:
            values = list(node.attr[attr].list.i) if attr in node.attr else []
            if len(values) == 4:
                node.attr[attr].list.i[:] = [values[i] for i in _TO_NHWC]
        _transpose(graph_def, name, node.name, _TO_NCHW, node.attr["T"])
        rewritten += 1
    return rewritten
