"""Ops TF.js lacks, rewritten as exact compositions of ops it has.

- ``Erfc(x)`` -> ``1 - Erf(x)`` (exact GELU in TF 2.21 uses Erfc).
- ``Einsum`` with two operands that is a (batched) matrix product -> ``BatchMatMulV2`` with
  adjoint flags (TF.js's wasm backend has no Einsum kernel). Other equations stay Einsum.
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


_REWRITES = {"Erfc": _rewrite_erfc, "Einsum": _rewrite_einsum}


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
