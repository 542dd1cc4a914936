"""Tiny GraphDefs built by hand for the per-pass tests, and running them in a TF session.

A graph is built node by node (``placeholder``, ``const``, ``add``); ``producer`` adds the
constant-weight Conv2D / DepthwiseConv2dNative / MatMul the fusion passes look for.
``assert_same_values`` runs a graph from before a pass and the one after on seeded inputs.
TF.js-only ops (``Prelu``, ``FusedDepthwiseConv2dNative``) run as the TensorFlow ops they mean.
"""

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import graph_pb2

from tools.converter import graph_edit, graph_view

FLOAT = tf.float32.as_datatype_enum
# What ``producer`` builds: op, weights shape for 3 input channels, input shape.
PRODUCERS = {
    "Conv2D": ("Conv2D", (3, 3, 3, 4), (1, 5, 5, 3)),
    "DepthwiseConv2dNative": ("DepthwiseConv2dNative", (3, 3, 3, 2), (1, 5, 5, 3)),
    "MatMul": ("MatMul", (3, 4), (2, 3)),
    "MatMul transpose_b": ("MatMul", (4, 3), (2, 3)),
}


def random(shape, seed=0):
    """Seeded standard-normal float32 values."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def with_input(name="x"):
    """A new GraphDef holding a float32 Placeholder ``name``."""
    graph_def = graph_pb2.GraphDef()
    placeholder(graph_def, name)
    return graph_def


def placeholder(graph_def, name="x", dtype=FLOAT):
    """Adds a Placeholder; returns its name."""
    graph_def.node.add(name=name, op="Placeholder").attr["dtype"].type = dtype
    return name


def const(graph_def, name, value):
    """Adds a Const holding ``value``; returns its name."""
    graph_def.node.append(graph_edit.make_const(name, np.asarray(value)))
    return name


def add(graph_def, name, op, inputs, dtype=FLOAT, **attrs):
    """Adds ``op`` reading ``inputs`` with attribute ``T`` (unless dtype is None) and ``attrs``
    (bool, int, float, str, list of int or list of str); returns its name."""
    node = graph_def.node.add(name=name, op=op, input=list(inputs))
    if dtype is not None:
        node.attr["T"].type = dtype
    for key, value in attrs.items():
        attr = node.attr[key]
        if isinstance(value, bool):
            attr.b = value
        elif isinstance(value, int):
            attr.i = value
        elif isinstance(value, float):
            attr.f = value
        elif isinstance(value, str):
            attr.s = value.encode()
        elif all(isinstance(v, int) for v in value):
            attr.list.i.extend(value)
        else:
            attr.list.s.extend(v.encode() for v in value)
    return name


def producer(graph_def, kind, name="p", x="x", seed=0, data_format="NHWC"):
    """Adds a ``PRODUCERS[kind]`` node reading ``x`` with constant weights ``<name>/w``;
    returns (its name, its output channels)."""
    op, shape, _ = PRODUCERS[kind]
    weights = const(graph_def, f"{name}/w", random(shape, seed))
    if op == "MatMul":
        transpose_b = kind.endswith("transpose_b")
        add(graph_def, name, op, [x, weights], transpose_a=False, transpose_b=transpose_b)
        return name, shape[0] if transpose_b else shape[1]
    add(graph_def, name, op, [x, weights], strides=[1, 1, 1, 1], padding="SAME",
        data_format=data_format)
    return name, shape[2] * shape[3] if op == "DepthwiseConv2dNative" else shape[3]


def input_for(kind, seed=1):
    """A seeded input for ``producer(kind)``."""
    return random(PRODUCERS[kind][2], seed)


def copy(graph_def):
    """An independent copy of ``graph_def``."""
    copied = graph_pb2.GraphDef()
    copied.CopyFrom(graph_def)
    return copied


def ops(graph_def):
    """{node name: op}."""
    return {n.name: n.op for n in graph_def.node}


def node(graph_def, name):
    """The node called ``name``."""
    return graph_view.nodes_by_name(graph_def)[name]


def fused_ops(n):
    """A node's ``fused_ops`` as strings (without adding the attribute)."""
    return [s.decode() for s in n.attr["fused_ops"].list.s] if "fused_ops" in n.attr else []


def _activations(graph_def, name, previous, activations, alpha, leakyrelu_alpha):
    """Adds ``activations`` after ``previous``, the last one called ``name``; Prelu is
    Relu(x) - alpha * Relu(-x)."""
    for index, op in enumerate(activations):
        step = name if index == len(activations) - 1 else f"{name}/{op.lower()}"
        if op == "Prelu":
            add(graph_def, f"{step}/positive", "Relu", [previous])
            add(graph_def, f"{step}/negated", "Neg", [previous])
            add(graph_def, f"{step}/negative", "Relu", [f"{step}/negated"])
            add(graph_def, f"{step}/scaled", "Mul", [alpha, f"{step}/negative"])
            add(graph_def, step, "Sub", [f"{step}/positive", f"{step}/scaled"])
        elif op == "LeakyRelu":
            add(graph_def, step, op, [previous], alpha=leakyrelu_alpha)
        else:
            add(graph_def, step, op, [previous])
        previous = step


def as_tensorflow(graph_def):
    """A copy of ``graph_def`` with the TF.js-only ops written as TensorFlow ops: Prelu, a
    FusedDepthwiseConv2dNative (as DepthwiseConv2dNative, BiasAdd, activation) and a fused
    Prelu (after the rest of the fusion)."""
    result = copy(graph_def)
    for n in list(result.node):
        name, data = n.name, graph_view.data_inputs(n)
        leakyrelu_alpha = n.attr["leakyrelu_alpha"].f if "leakyrelu_alpha" in n.attr else 0.0
        if n.op == "Prelu":
            n.name, n.op, n.input[:] = f"{name}/input", "Identity", data[:1]
            _activations(result, name, n.name, ["Prelu"], data[1], 0.0)
        elif n.op == "FusedDepthwiseConv2dNative":
            activations = fused_ops(n)[1:]
            n.name, n.op, n.input[:] = f"{name}/depthwise", "DepthwiseConv2dNative", data[:2]
            for attr in ("fused_ops", "num_args", "leakyrelu_alpha", "epsilon"):
                n.attr.pop(attr, None)
            bias = add(result, f"{name}/bias" if activations else name, "BiasAdd",
                       [n.name, data[2]], data_format="NHWC")
            _activations(result, name, bias, activations, data[3:4] and data[3],
                         leakyrelu_alpha)
        elif fused_ops(n)[-1:] == ["Prelu"]:
            n.name, n.input[:] = f"{name}/fused", data[:3]
            n.attr["num_args"].i = 1
            del n.attr["fused_ops"].list.s[-1]
            _activations(result, name, n.name, ["Prelu"], data[3], 0.0)
    return result


def run(graph_def, fetches, feeds):
    """Runs ``graph_def`` (TF.js-only ops as TensorFlow ops): the values of ``fetches`` (node
    or tensor names) given ``feeds`` ({placeholder name: value})."""
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        tf.graph_util.import_graph_def(as_tensorflow(graph_def), name="")
        return session.run([f if ":" in f else f"{f}:0" for f in fetches],
                           {f"{name}:0": value for name, value in feeds.items()})


def assert_unchanged(rewrite, graph_def):
    """``rewrite(graph_def)`` leaves ``graph_def`` as it was; returns what ``rewrite`` did."""
    before = copy(graph_def)
    result = rewrite(graph_def)
    assert graph_def == before
    return result


def assert_same_values(before, after, fetches, feeds, rtol=1e-5, atol=1e-5):
    """``before`` and ``after`` compute the same ``fetches`` from ``feeds``."""
    for expected, actual in zip(run(before, fetches, feeds), run(after, fetches, feeds)):
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


_FUSED = {"MatMul": "_FusedMatMul", "DepthwiseConv2dNative": "FusedDepthwiseConv2dNative"}


def fused(graph_def, kind="MatMul", name="p", x="x", fused_ops_=("BiasAdd",), seed=0):
    """Adds ``producer(kind)`` fused with a constant bias ``<name>/b`` (and ``fused_ops_``
    after it, without arguments), as _FusedMatMul or FusedDepthwiseConv2dNative; returns its
    name."""
    name, channels = producer(graph_def, kind, name, x, seed)
    n = node(graph_def, name)
    n.op = _FUSED[kind]
    n.input.append(const(graph_def, f"{name}/b", random(channels, seed + 1)))
    n.attr["fused_ops"].list.s.extend(op.encode() for op in fused_ops_)
    n.attr["num_args"].i = 1
    return name
