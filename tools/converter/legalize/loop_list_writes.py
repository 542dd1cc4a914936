"""Keeps the tensors that loop bodies and branches write into TensorLists alive in TF.js.

TF.js runs a While body or an If branch as a sub-graph and, when it returns, disposes every
tensor the sub-graph made except its outputs -- even a tensor it has just stored in a list.
Stacking the list later reads freed memory ("Cannot read properties of undefined (reading
'backend')"). Keras RNNs with ``return_sequences`` and autograph loops that fill a TensorArray
all do this. So every tensor a function stores, itself or through the control flow inside it,
becomes one of its outputs, level by level up to the main graph (which TF.js cleans up
differently):

- a write whose item is already an output, or is an output's ``Identity`` (an RNN's carried
  state), stores that output;
- otherwise it stores a new ``Identity(item)``, which becomes a new output: of a While body, a
  new loop variable starting from a zero scalar; of an If branch, a new output of the If (the
  other branch returns a zero scalar in its place).

Nothing reads the new outputs; they only tell TF.js to keep the tensors.
"""

import dataclasses

import numpy as np
from tensorflow.core.framework import graph_pb2
from tensorflow.python.framework import dtypes

from tools.converter import graph_edit, graph_view

# Ops that store their item input itself in the list: index of that input, dtype attribute.
_WRITES = {"TensorListSetItem": (2, "element_dtype"), "TensorListPushBack": (1, "element_dtype"),
           "TensorArrayWriteV3": (2, "T")}
_WHILE_OPS = ("While", "StatelessWhile")
_IF_OPS = ("If", "StatelessIf")
# Element dtypes a zero-scalar Const can stand in for.
_CARRIABLE = frozenset(d.as_datatype_enum for d in (
    dtypes.float32, dtypes.float16, dtypes.int32, dtypes.int64, dtypes.bool))


def keep_written_tensors(graph_def: graph_pb2.GraphDef) -> None:
    """Rewrites ``graph_def`` in place so no function drops a tensor it stored in a list."""
    rewriter = _Rewriter(graph_def)
    for node in sorted(graph_def.node, key=lambda n: n.name):
        rewriter.extend_call(node, graph_def)


@dataclasses.dataclass
class _Plan:
    """What a function stores: its outputs that already hold stored tensors (by index), and the
    tensors it must return as well ([(tensor, dtype)])."""
    returned: set
    new: list


class _Rewriter:
    """Plans each function once, bottom-up, and extends each signature once."""

    def __init__(self, graph_def):
        self._functions = {f.signature.name: f for f in graph_def.library.function}
        self._plans = {}
        self._extended = set()

    def extend_call(self, node, graph):
        """Gives While/If ``node`` (in ``graph``) the outputs its functions need; returns
        [(tensor, dtype)] of the node's outputs that hold stored tensors."""
        if node.op in _WHILE_OPS:
            carried = self._extend_while(node, graph)
            types = node.attr["T"].list.type
        elif node.op in _IF_OPS:
            carried = self._extend_if(node)
            types = node.attr["Tout"].list.type
        else:
            return []
        in_function = not isinstance(graph, graph_pb2.GraphDef)
        return [(f"{node.name}:output:{k}" if in_function else f"{node.name}:{k}", types[k])
                for k in sorted(carried)]

    def _plan(self, name):
        if name not in self._plans:
            self._plans[name] = _Plan(set(), [])  # a (malformed) recursive call adds nothing
            function = self._functions[name]
            plan = _route_writes_through_outputs(function)
            index_of = _output_indices(function)
            for node in sorted(function.node_def, key=lambda n: n.name):
                for tensor, dtype in self.extend_call(node, function):
                    if tensor in index_of:
                        plan.returned.add(index_of[tensor])
                    elif dtype in _CARRIABLE:
                        plan.new.append((_add_identity(function, tensor, dtype), dtype))
            self._plans[name] = plan
        return self._plans[name]

    def _extend_once(self, name, outputs, inputs_too=False):
        """Adds ``outputs(function)`` ([(tensor, dtype)]) to function ``name``, once."""
        if name not in self._extended:
            self._extended.add(name)
            function = self._functions[name]
            _add_outputs(function, outputs(function), inputs_too)

    def _extend_while(self, node, graph):
        body, cond = node.attr["body"].func.name, node.attr["cond"].func.name
        plan = self._plan(body)
        first = len(node.attr["T"].list.type)
        new_dtypes = [dtype for _, dtype in plan.new]
        self._extend_once(body, lambda _: plan.new, inputs_too=True)
        if new_dtypes and cond not in self._extended:
            self._extended.add(cond)
            _add_input_args(self._functions[cond].signature, new_dtypes)
        for dtype in new_dtypes:
            node.input.insert(_data_input_count(node), _zero_const(graph, node.name, dtype))
            node.attr["T"].list.type.append(dtype)
        _add_node_outputs(node, first, len(new_dtypes))
        return plan.returned | set(range(first, first + len(new_dtypes)))

    def _extend_if(self, node):
        branches = node.attr["then_branch"].func.name, node.attr["else_branch"].func.name
        then_plan, else_plan = (self._plan(name) for name in branches)
        # Both branches return the then branch's new tensors, then the else branch's, each
        # with zeros in the other's places.
        self._extend_once(branches[0], lambda f: then_plan.new + _zeros(f, else_plan.new))
        self._extend_once(branches[1], lambda f: _zeros(f, then_plan.new) + else_plan.new)
        first = len(node.attr["Tout"].list.type)
        new = then_plan.new + else_plan.new
        node.attr["Tout"].list.type.extend(dtype for _, dtype in new)
        _add_node_outputs(node, first, len(new))
        return then_plan.returned | else_plan.returned | set(range(first, first + len(new)))


def _output_indices(function):
    """{tensor: output index} of ``function``'s results."""
    return {function.ret[arg.name]: index
            for index, arg in enumerate(function.signature.output_arg)}


def _route_writes_through_outputs(function):
    """Makes each list write in ``function`` store an output, or a new Identity to return."""
    index_of = _output_indices(function)
    identity_outputs = {}
    for node in function.node_def:
        if node.op == "Identity" and f"{node.name}:output:0" in index_of:
            identity_outputs.setdefault(node.input[0], f"{node.name}:output:0")
    plan = _Plan(set(), [])
    for write in sorted((n for n in function.node_def if n.op in _WRITES), key=lambda n: n.name):
        index, dtype_attr = _WRITES[write.op]
        item, dtype = write.input[index], write.attr[dtype_attr].type
        if item in index_of:
            plan.returned.add(index_of[item])
        elif item in identity_outputs:
            write.input[index] = identity_outputs[item]
            plan.returned.add(index_of[write.input[index]])
        elif dtype in _CARRIABLE:
            write.input[index] = _add_identity(function, item, dtype)
            plan.new.append((write.input[index], dtype))
    return plan


def _add_identity(function, tensor, dtype):
    """Adds ``Identity(tensor)`` to ``function``; returns its output. (TF.js's Identity passes a
    tensor a list already holds through as is.)"""
    name = graph_edit.claim_name(f"{graph_view.node_name(tensor)}/kept_item",
                                 {n.name for n in function.node_def})
    identity = function.node_def.add(name=name, op="Identity", input=[tensor])
    identity.attr["T"].type = dtype
    return f"{name}:output:0"


def _zeros(function, outputs):
    """A zero scalar in ``function`` for each of ``outputs`` ([(tensor, dtype)])."""
    return [(_zero_const(function, function.signature.name, dtype), dtype)
            for _, dtype in outputs]


def _add_outputs(function, outputs, inputs_too):
    """Appends ``outputs`` ([(tensor, dtype)]) to ``function``'s results (and, for a loop body,
    an input argument each)."""
    signature = function.signature
    taken = ({a.name for a in signature.input_arg} | {a.name for a in signature.output_arg}
             | {n.name for n in function.node_def})
    for tensor, dtype in outputs:
        output = signature.output_arg.add(name=graph_edit.claim_name("kept_item", taken),
                                          type=dtype)
        function.ret[output.name] = tensor
        if inputs_too:
            signature.input_arg.add(name=graph_edit.claim_name(f"{output.name}_in", taken),
                                    type=dtype)


def _add_input_args(signature, new_dtypes):
    taken = {arg.name for arg in signature.input_arg}
    for dtype in new_dtypes:
        signature.input_arg.add(name=graph_edit.claim_name("kept_item", taken), type=dtype)


def _add_node_outputs(node, first, count):
    if "output_shapes" in node.attr:
        for _ in range(count):
            node.attr["output_shapes"].list.shape.add(unknown_rank=True)
    if count and "_num_original_outputs" in node.attr:
        node.attr["_num_original_outputs"].i = first + count


def _zero_const(graph, prefix, dtype):
    """Adds a zero scalar Const of ``dtype`` to ``graph`` (a GraphDef or a FunctionDef); returns
    the input string that reads it there."""
    in_function = not isinstance(graph, graph_pb2.GraphDef)
    nodes = graph.node_def if in_function else graph.node
    name = graph_edit.claim_name(f"{prefix}/kept_item_zero", {n.name for n in nodes})
    nodes.append(graph_edit.make_const(name, np.zeros((), dtypes.as_dtype(dtype).as_numpy_dtype)))
    return f"{name}:output:0" if in_function else name


def _data_input_count(node):
    return len(graph_view.data_inputs(node))
