"""Keeps only the fusions TF.js can run; splits the rest back into separate ops.

TF.js reads a fused Conv2D/MatMul's ``fused_ops`` as [BiasAdd] or [BiasAdd, activation] with
an activation its cpu and wasm kernels implement. Grappler's remapper fuses more (e.g. Tanh, or
a residual Add): such a node keeps its BiasAdd fused, and what follows becomes ordinary ops
under the same output name, so the model runs instead of failing in the browser.
"""

from tensorflow.core.framework import attr_value_pb2

from tools.converter import graph_view
from tools.converter.errors import ConversionError

FUSED_OPS = ("_FusedConv2D", "_FusedMatMul", "FusedDepthwiseConv2dNative",
             "_FusedDepthwiseConv2dNative")
TFJS_FUSABLE_ACTIVATIONS = ("Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid")
# What a fused node TF.js runs may hold after BiasAdd: those, and Prelu as passes/prelu.py fuses
# it (a TF.js op, its alpha the extra argument).
_TFJS_FUSED_ACTIVATIONS = TFJS_FUSABLE_ACTIVATIONS + ("Prelu",)
_BINARY = {"Add": "AddV2", "AddV2": "AddV2"}
_UNARY = ("Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh")


def runnable_by_tfjs(fused_ops):
    """Whether TF.js executes a fused node with these fused_ops."""
    return (fused_ops[:1] == ["BiasAdd"] and len(fused_ops) <= 2
            and all(op in _TFJS_FUSED_ACTIVATIONS for op in fused_ops[1:]))


def _split(graph_def, node, fused_ops):
    """Keeps ``node`` fused with its BiasAdd; the ops after it become a chain of nodes."""
    name, dtype = node.name, node.attr["T"].type
    data = graph_view.data_inputs(node)
    control = graph_view.control_inputs(node)
    chain, extra_args = fused_ops[1:], data[3:]
    node.name = f"{name}/fused"
    del node.attr["fused_ops"].list.s[1:]
    node.attr["num_args"].i = 1
    node.input[:] = data[:3] + control
    previous = node.name
    for index, op in enumerate(chain):
        last = index == len(chain) - 1
        step = graph_def.node.add(name=name if last else f"{name}/{op.lower()}_{index}")
        step.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=dtype))
        if op in _BINARY:
            step.op = _BINARY[op]
            step.input.extend([previous, extra_args.pop(0)])
        else:
            step.op = op
            step.input.append(previous)
            if op == "LeakyRelu":
                step.attr["alpha"].f = node.attr["leakyrelu_alpha"].f
        previous = step.name


def split_unsupported_fusions(graph_def):
    """Rewrites fused nodes of ``graph_def`` (in place) that TF.js cannot run."""
    for node in list(graph_def.node):
        if node.op not in FUSED_OPS:
            continue
        fused = [s.decode() for s in node.attr["fused_ops"].list.s]
        if runnable_by_tfjs(fused):
            continue
        if fused[:1] != ["BiasAdd"] or any(op not in _BINARY and op not in _UNARY
                                            for op in fused[1:]):
            raise ConversionError(
                f"node {node.name!r} fuses {'+'.join(fused)}, which TF.js cannot run")
        _split(graph_def, node, fused)
