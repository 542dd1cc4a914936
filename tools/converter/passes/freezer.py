"""Freezing: variables become constants, function calls are inlined, control flow is kept.

The variable-to-constant rewrite uses TensorFlow's own converter (which also retypes resource
arguments through function calls, While and If), fed with values read from the checkpoint
instead of a restored session or concrete function. Function calls are then inlined by
grappler's function optimizer. Functional While/If stay (TF.js runs them, and a while loop
lowered to Switch/Merge frames often does not run in TF.js) unless lowering is asked for.
"""

import re
from typing import Optional, Sequence

import numpy as np

from tensorflow.core.framework import types_pb2
from tensorflow.core.protobuf import config_pb2, meta_graph_pb2
from tensorflow.python.framework import convert_to_constants, dtypes, tensor_util
from tensorflow.python.grappler import tf_optimizer

from tools.converter import graph_view, weight_refs
from tools.converter.passes import stand_ins


_CONTROL_FLOW_OPS = ("If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase")


class _CheckpointConverterData(convert_to_constants._ConverterData):  # pylint: disable=protected-access
    """Feeds TensorFlow's variable-to-constant converter with values we already read."""

    def __init__(self, graph_def, variable_values):
        super().__init__(graph_def)
        nodes = graph_view.nodes_by_name(graph_def)
        for name, value in sorted(variable_values.items()):
            dtype = nodes[name].attr["dtype"].type
            if dtype == types_pb2.DT_RESOURCE:  # a concrete function's captured variable
                dtype = dtypes.as_dtype(np.asarray(value).dtype).as_datatype_enum
            self._tensor_data[name] = convert_to_constants._TensorData(  # pylint: disable=protected-access
                numpy=value, dtype=dtype, index=None)


def _gathers_in_functions_read_constants(graph_def):
    """Rewrites ResourceGather(Nd) on a retyped function argument as GatherV2 (GatherNd).

    TensorFlow's converter retypes a frozen variable's function argument to its value's dtype
    but leaves gathers inside functions alone (tf_keras's Embedding in a SavedModel has one).
    """
    for function in graph_def.library.function:
        retyped = {arg.name for arg in function.signature.input_arg
                   if arg.type != types_pb2.DT_RESOURCE}
        gathers = [n for n in function.node_def
                   if n.op in ("ResourceGather", "ResourceGatherNd") and n.input[0] in retyped]
        for node in gathers:
            dtype = node.attr["dtype"].type
            node.attr["Tparams"].type = dtype
            for name in ("dtype", "validate_indices"):
                node.attr.pop(name, None)
            if node.op == "ResourceGatherNd":
                node.op = "GatherNd"
                continue
            node.op = "GatherV2"
            batch_dims = node.attr["batch_dims"].i if "batch_dims" in node.attr else 0
            node.attr["batch_dims"].i = batch_dims
            axis = function.node_def.add(name=f"{node.name}/axis", op="Const")
            axis.attr["dtype"].type = node.attr["Tindices"].type
            axis.attr["value"].tensor.CopyFrom(tensor_util.make_tensor_proto(
                batch_dims, dtype=node.attr["Tindices"].type))
            node.attr["Taxis"].type = node.attr["Tindices"].type
            node.input.insert(2, f"{axis.name}:output:0")


def _set_control_flow_lowering(graph_def, lower):
    for node in _all_nodes(graph_def):
        if node.op in _CONTROL_FLOW_OPS:
            node.attr["_lower_using_switch_merge"].b = lower


def _optimize(graph_def, fetch_tensors, optimizers):
    meta_graph = meta_graph_pb2.MetaGraphDef()
    meta_graph.graph_def.CopyFrom(graph_def)
    table = weight_refs.active()
    stand_in_names = set()
    if table is not None:
        for node in meta_graph.graph_def.node:
            if table.is_stand_in(node):
                stand_in_names.add(node.name)
                node.op = "FakeParam"
    meta_graph.collection_def["train_op"].node_list.value.extend(fetch_tensors)
    config = config_pb2.ConfigProto()
    rewrite = config.graph_options.rewrite_options
    rewrite.min_graph_nodes = -1
    rewrite.optimizers.extend(optimizers)
    optimized = tf_optimizer.OptimizeGraph(config, meta_graph)
    for node in optimized.node:
        if node.op == "FakeParam" and node.name in stand_in_names:
            node.op = "Placeholder"
    return optimized


def run_grappler(graph_def, fetch_tensors: Sequence[str], optimizers: Sequence[str]):
    """Runs the named grappler optimizers over ``graph_def``, keeping ``fetch_tensors``.

    With stand-ins of the active weight_refs table in the graph and constant folding asked for,
    what constant folding would do to those weights is done around grappler (passes/stand_ins):
    grappler runs up to its first pruning, then again for the rest.
    """
    table = weight_refs.active()
    optimizers = list(optimizers)
    if table is None or not len(table) or "constfold" not in optimizers:  # pylint: disable=len-as-condition
        return _optimize(graph_def, fetch_tensors, optimizers)
    if "pruning" in optimizers:
        # The meta-optimizer runs pruning, then constfold (Identity(Const) becomes a Const named
        # as the Identity), then dependency (which drops Identity(Placeholder)).
        first = optimizers.index("pruning") + 1
        graph_def = _optimize(graph_def, fetch_tensors, optimizers[:first])
        optimizers = optimizers[first:]
    stand_ins.collapse_identities(graph_def, fetch_tensors, table)
    stand_ins.materialise_foldable(graph_def, table)
    graph_def = _optimize(graph_def, fetch_tensors, optimizers)
    stand_ins.collapse_identities(graph_def, fetch_tensors, table)
    stand_ins.drop_control_edges(graph_def, fetch_tensors, table)
    stand_ins.push_muls_into_convs(graph_def, fetch_tensors, table)
    return graph_def


_FROZEN_SUFFIX = re.compile(r"_frozen_\d+$")


def _all_nodes(graph_def):
    yield from graph_def.node
    for function in graph_def.library.function:
        yield from function.node_def


def _restore_function_names(graph_def):
    """Drops the ``_frozen_<n>`` suffix TensorFlow's converter gives rewritten functions.

    ``<n>`` is a process-wide counter, so the names (and model.json) would differ between two
    conversions in one process, e.g. a persistent worker.
    """
    names = {f.signature.name for f in graph_def.library.function}
    renames = {}
    for name in sorted(names):
        original = _FROZEN_SUFFIX.sub("", name)
        if original != name and original not in names and original not in renames.values():
            renames[name] = original
    for function in graph_def.library.function:
        function.signature.name = renames.get(function.signature.name, function.signature.name)
    for node in _all_nodes(graph_def):
        node.ClearField("experimental_debug_info")
        for value in node.attr.values():
            if value.HasField("func"):
                value.func.name = renames.get(value.func.name, value.func.name)
            for function in value.list.func:
                function.name = renames.get(function.name, function.name)


class _ShapeOnly:
    """A large variable's value as TensorFlow's converter sees it: its real shape (which the
    converter copies into the output_shapes of While/If nodes the variable passes through) and a
    single zero (so the Const it writes holds one value, not a full-size TensorProto); that Const
    is then replaced by a stand-in."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)

    def __array__(self, dtype=None, copy=None):  # pylint: disable=unused-argument
        return np.zeros((), dtype or self.dtype)


def _freeze_variables(graph_def, variable_values, table):
    """TensorFlow's converter with our values; with ``table``, the variables and Consts large
    enough for it become stand-ins."""
    if table is None:
        data = _CheckpointConverterData(graph_def, variable_values)
        return convert_to_constants._replace_variables_by_constants(data)[0]  # pylint: disable=protected-access
    graph_def = graph_def.__deepcopy__()
    stand_ins.replace_large_consts(graph_def, table)
    values = {}  # each value is read once here (the reader may read it from the checkpoint)
    for name, raw in variable_values.items():
        value = np.asarray(raw)
        values[name] = _ShapeOnly(value.dtype, value.shape) if table.is_large(value) else raw
    data = _CheckpointConverterData(graph_def, values)
    graph_def, _ = convert_to_constants._replace_variables_by_constants(data)  # pylint: disable=protected-access
    for i, node in enumerate(graph_def.node):
        shape_only = values.get(node.name)
        if isinstance(shape_only, _ShapeOnly) and node.op == "Const":
            graph_def.node[i].CopyFrom(table.stand_in(
                node.name, shape_only.dtype, shape_only.shape,
                lambda name=node.name: np.asarray(variable_values[name])))
    return graph_def


def freeze(graph_def, variable_values, fetch: Sequence[str], lower_control_flow: bool,
           table: Optional[weight_refs.WeightRefs] = None):
    """Returns ``graph_def`` with no variables and no function calls besides control flow.

    ``variable_values`` gives each variable node's value; ``fetch`` names the tensors or nodes
    that must survive. With ``table``, weights of its threshold or more (variables, and Consts of
    ``graph_def`` outside functions) are frozen as stand-ins (see weight_refs).
    """
    graph_def = _freeze_variables(graph_def, variable_values, table)
    _gathers_in_functions_read_constants(graph_def)
    _set_control_flow_lowering(graph_def, lower_control_flow)
    for function in graph_def.library.function:
        # A secondary implementation (e.g. CuDNN for an LSTM) would stop inlining.
        if "api_implements" in function.attr:
            del function.attr["api_implements"]
    graph_def = run_grappler(graph_def, fetch, ["function"])
    _restore_function_names(graph_def)
    return graph_def
