"""Keeps the tensors a While body writes into a TensorList or TensorArray alive in TF.js.

TF.js 4.22 runs a While body as a sub-graph and, when an iteration ends, disposes every tensor
the body made except the body's outputs -- even a tensor it has just stored in a list. Stacking
the list after the loop then reads freed memory ("Cannot read properties of undefined (reading
'backend')"). Keras RNNs with ``return_sequences`` and autograph loops that fill a TensorArray
all do this. So every written tensor is made a body output:

- if a body output is already ``Identity(item)`` (Keras's carried state), the write stores that
  output instead;
- otherwise ``Identity(item)`` is written and carried as a new, otherwise unused, loop variable.
"""

import numpy as np
from tensorflow.core.framework import graph_pb2
from tensorflow.python.framework import dtypes

from tools.converter import graph_edit, graph_pruning

# Ops that store their item input itself in the list (index of that input, dtype attribute).
_WRITES = {"TensorListSetItem": (2, "element_dtype"), "TensorListPushBack": (1, "element_dtype"),
           "TensorArrayWriteV3": (2, "T")}
_WHILE_OPS = ("While", "StatelessWhile")
# Element dtypes a zero-scalar Const can start a loop variable with.
_CARRIABLE = frozenset(d.as_datatype_enum for d in (
    dtypes.float32, dtypes.float16, dtypes.int32, dtypes.int64, dtypes.bool))


def keep_written_tensors(graph_def: graph_pb2.GraphDef) -> None:
    """Rewrites ``graph_def`` in place so While bodies only write tensors they return."""
    functions = {f.signature.name: f for f in graph_def.library.function}
    bodies = {n.attr["body"].func.name for n, _ in _while_nodes_with_graph(graph_def)}
    carried = {name: _route_writes_through_outputs(functions[name]) for name in sorted(bodies)}
    extended_conds = set()
    for node, graph in _while_nodes_with_graph(graph_def):
        new_dtypes = carried[node.attr["body"].func.name]
        if not new_dtypes:
            continue
        cond = node.attr["cond"].func.name
        if cond not in extended_conds:
            extended_conds.add(cond)
            _add_input_args(functions[cond].signature, new_dtypes)
        _add_loop_variables(node, graph, new_dtypes)


def _while_nodes_with_graph(graph_def):
    """(While node, the GraphDef or FunctionDef holding it) for every loop, nested ones too."""
    for node in graph_def.node:
        if node.op in _WHILE_OPS:
            yield node, graph_def
    for function in graph_def.library.function:
        for node in function.node_def:
            if node.op in _WHILE_OPS:
                yield node, function


def _route_writes_through_outputs(body) -> list:
    """Makes each list write in ``body`` store a body output; returns the dtypes of new outputs."""
    returned = set(body.ret.values())
    inputs = {arg.name for arg in body.signature.input_arg}
    identity_outputs = {}
    for node in body.node_def:
        if node.op == "Identity" and f"{node.name}:output:0" in returned:
            identity_outputs.setdefault(node.input[0], f"{node.name}:output:0")
    names = {n.name for n in body.node_def} | inputs | {a.name for a in body.signature.output_arg}
    new_dtypes = []
    for write in sorted((n for n in body.node_def if n.op in _WRITES), key=lambda n: n.name):
        index, dtype_attr = _WRITES[write.op]
        item = write.input[index]
        dtype = write.attr[dtype_attr].type
        if item in returned or item in inputs or dtype not in _CARRIABLE:
            continue
        if item in identity_outputs:
            write.input[index] = identity_outputs[item]
            continue
        kept = _unique(f"{write.name}/kept_item", names)
        identity = body.node_def.add(name=kept, op="Identity", input=[item])
        identity.attr["T"].type = dtype
        write.input[index] = f"{kept}:output:0"
        for arg_list in (body.signature.input_arg, body.signature.output_arg):
            arg_list.add(name=_unique(f"{_arg_name(kept)}_{len(arg_list)}", names), type=dtype)
        body.ret[body.signature.output_arg[-1].name] = f"{kept}:output:0"
        new_dtypes.append(dtype)
    return new_dtypes


def _add_input_args(signature, new_dtypes):
    names = {arg.name for arg in signature.input_arg}
    for dtype in new_dtypes:
        signature.input_arg.add(name=_unique(f"kept_item_{len(signature.input_arg)}", names),
                                type=dtype)


def _add_loop_variables(node, graph, new_dtypes):
    """Gives the While ``node`` one more loop variable per dtype, starting from a zero scalar."""
    in_function = not isinstance(graph, graph_pb2.GraphDef)
    nodes = graph.node_def if in_function else graph.node
    names = {n.name for n in nodes}
    for dtype in new_dtypes:
        start = graph_edit.make_const(_unique(f"{node.name}/kept_item_start", names),
                                      np.zeros((), dtypes.as_dtype(dtype).as_numpy_dtype))
        nodes.append(start)
        node.input.insert(_data_input_count(node), f"{start.name}:output:0" if in_function
                          else start.name)
        node.attr["T"].list.type.append(dtype)
        node.attr["output_shapes"].list.shape.add(unknown_rank=True)
    if "_num_original_outputs" in node.attr:
        node.attr["_num_original_outputs"].i = len(node.attr["T"].list.type)


def _data_input_count(node):
    return sum(1 for i in node.input if not i.startswith("^"))


def _arg_name(node_name):
    return graph_pruning.input_node_name(node_name).replace("/", "_").lower()


def _unique(name, taken):
    while name in taken:
        name += "_"
    taken.add(name)
    return name
