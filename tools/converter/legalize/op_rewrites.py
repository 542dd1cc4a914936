"""Ops TF.js lacks or runs differently, rewritten as exact compositions of ops it has.

- ``Erfc(x)`` -> ``1 - Erf(x)`` (exact GELU in TF 2.21 uses Erfc).
- ``Softsign(x)`` -> ``x / (1 + |x|)``.
- ``Einsum`` with two operands that is a (batched) matrix product -> ``BatchMatMulV2`` with
  adjoint flags (TF.js's wasm backend has no Einsum kernel). Other equations stay Einsum.
- ``FusedBatchNorm*`` with ``is_training`` (tf_keras's LayerNormalization normalises with the
  batch's own statistics this way) -> mean and variance over all axes but the channels', then
  scale and offset.
  TF.js always runs the op in inference mode, with the empty mean and variance inputs: NaN.
Each rewrite is logged.
"""

import numpy as np
from absl import logging
from tensorflow.core.framework import node_def_pb2
from tensorflow.python.framework import dtypes

from tools.converter import graph_edit


def _rewrite_erfc(graph_def, node):
    dtype = dtypes.as_dtype(node.attr["T"].type).as_numpy_dtype
    one = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{node.name}/one"),
                                np.array(1, dtype))
    erf = node_def_pb2.NodeDef(name=graph_edit.unique_name(graph_def, f"{node.name}/erf"),
                               op="Erf", input=[node.input[0]])
    erf.attr["T"].CopyFrom(node.attr["T"])
    graph_def.node.extend([one, erf])
    node.op = "Sub"
    node.input[:] = [one.name, erf.name]
    return True


def _rewrite_softsign(graph_def, node):
    dtype = node.attr["T"].type
    one = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{node.name}/one"),
                                np.array(1, dtypes.as_dtype(dtype).as_numpy_dtype))
    graph_def.node.append(one)
    magnitude = _add_node(graph_def, f"{node.name}/abs", "Abs", [node.input[0]], dtype)
    denominator = _add_node(graph_def, f"{node.name}/one_plus_abs", "AddV2",
                            [one.name, magnitude], dtype)
    node.op = "RealDiv"
    node.input.append(denominator)
    return True


def matmul_form(equation):
    """(adj_x, adj_y) if ``equation`` is a batched matrix product, else None.

    Accepted: ``B..mk,B..kn->B..mn`` in any of the four transpositions, where the right
    operand may also have no batch labels (it is then broadcast).
    """
    inputs, _, output = equation.replace(" ", "").partition("->")
    operands = inputs.split(",")
    if len(operands) != 2 or "." in equation or not output:
        return None
    lhs, rhs = operands
    if len(lhs) < 2 or len(rhs) < 2 or len(output) < 2:
        return None
    batch = output[:-2]
    m, n = output[-2], output[-1]
    if lhs[:-2] != batch or rhs[:-2] not in (batch, ""):
        return None
    lhs_pair, rhs_pair = lhs[-2:], rhs[-2:]
    shared = set(lhs_pair) & set(rhs_pair)
    if len(shared) != 1 or len(set(lhs_pair + rhs_pair)) != 3:
        return None
    k = shared.pop()
    if set(lhs_pair) != {m, k} or set(rhs_pair) != {k, n}:
        return None
    return lhs_pair == k + m, rhs_pair == n + k


def _rewrite_einsum(_graph_def, node):
    form = matmul_form(node.attr["equation"].s.decode())
    if form is None or len(node.input) != 2:
        return False
    equation = node.attr["equation"].s.decode()
    dtype = node.attr["T"].type
    node.ClearField("attr")
    node.op = "BatchMatMulV2"
    node.attr["T"].type = dtype
    node.attr["adj_x"].b, node.attr["adj_y"].b = form
    logging.info("Einsum %r (%s) runs as BatchMatMulV2", node.name, equation)
    return True


def _add_node(graph_def, base, op, inputs, dtype):
    node = node_def_pb2.NodeDef(name=graph_edit.unique_name(graph_def, base), op=op, input=inputs)
    node.attr["T"].type = dtype
    if op == "Mean":  # over the int32 axes, keeping them
        node.attr["Tidx"].type = dtypes.int32.as_datatype_enum
        node.attr["keep_dims"].b = True
    if op == "Reshape":
        node.attr["Tshape"].type = dtypes.int32.as_datatype_enum
    graph_def.node.append(node)
    return node.name


def _rewrite_training_batch_norm(graph_def, node):
    data_format = node.attr["data_format"].s or b"NHWC"
    if (not node.attr["is_training"].b
            or node.attr["T"].type != dtypes.float32.as_datatype_enum
            or data_format not in (b"NHWC", b"NCHW")
            or node.name in graph_edit.nodes_with_other_outputs_read(graph_def)):
        return False
    x, scale, offset = node.input[:3]
    dtype, name = node.attr["T"].type, node.name

    def const(suffix, value):
        constant = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{name}/{suffix}"),
                                         value)
        graph_def.node.append(constant)
        return constant.name

    axes = const("axes", np.array([0, 1, 2] if data_format == b"NHWC" else [0, 2, 3], np.int32))
    if data_format == b"NCHW":  # per-channel parameters broadcast along axis 1
        channels = const("channels_shape", np.array([1, -1, 1, 1], np.int32))
        scale, offset = (_add_node(graph_def, f"{name}/{part}", "Reshape", [value, channels],
                                   dtype) for part, value in (("scale", scale),
                                                              ("offset", offset)))
    mean = _add_node(graph_def, f"{name}/mean", "Mean", [x, axes], dtype)
    centered = _add_node(graph_def, f"{name}/centered", "Sub", [x, mean], dtype)
    squared = _add_node(graph_def, f"{name}/squared", "Square", [centered], dtype)
    variance = _add_node(graph_def, f"{name}/variance", "Mean", [squared, axes], dtype)
    epsilon = const("epsilon", np.array(node.attr["epsilon"].f, np.float32))
    shifted = _add_node(graph_def, f"{name}/variance_epsilon", "AddV2", [variance, epsilon],
                        dtype)
    inverse = _add_node(graph_def, f"{name}/rsqrt", "Rsqrt", [shifted], dtype)
    normalised = _add_node(graph_def, f"{name}/normalised", "Mul", [centered, inverse], dtype)
    scaled = _add_node(graph_def, f"{name}/scaled", "Mul", [normalised, scale], dtype)
    node.Clear()
    node.name, node.op = name, "AddV2"
    node.input.extend([scaled, offset])
    node.attr["T"].type = dtype
    return True


_REWRITES = {"Erfc": _rewrite_erfc, "Einsum": _rewrite_einsum, "Softsign": _rewrite_softsign,
             **{op: _rewrite_training_batch_norm
                for op in ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")}}


def rewrite_unsupported_ops(graph_def):
    """Rewrites, in place, the main-graph nodes whose op has an exact TF.js composition.

    Returns {op: number of nodes rewritten}.
    """
    rewritten = {}
    for node in list(graph_def.node):
        op = node.op
        if op in _REWRITES and _REWRITES[op](graph_def, node):
            rewritten[op] = rewritten.get(op, 0) + 1
    for op, count in sorted(rewritten.items()):
        logging.info("rewrote %d %s node(s) into ops TF.js has", count, op)
    return rewritten
