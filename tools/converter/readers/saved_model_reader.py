"""Reads a SavedModel (TF2 object-graph or TF1 builder) as protobufs and checkpoint values.

Nothing is restored as Python objects: the meta graph already holds the signature's graph and
function library, and the variables are read straight from the checkpoint. That is where most of
the reference converter's time goes, and it keeps loading independent of the Python code that
wrote the model.
"""

import functools
import os
from typing import Dict, Iterable, Optional, Sequence

import numpy as np
from absl import logging
from google.protobuf import text_format
from tensorflow.core.framework import types_pb2
from tensorflow.core.protobuf import saved_model_pb2, trackable_object_graph_pb2
from tensorflow.python.framework import tensor_util

from tools.converter import graph_view
from tools.converter.passes import graph_pruning
from tools.converter.readers import checkpoint, input_files
from tools.converter.errors import ConversionError, one_line
from tools.converter.readers.graph_source import (VARIABLE_OPS, GraphSource, InitializerSource,
                                                  TensorSpec)

INIT_OP_SIGNATURE = "__saved_model_init_op"
_INIT_OP_COLLECTIONS = ("saved_model_main_op", "legacy_init_op", "table_initializer")
_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def read_saved_model_proto(path):
    """Parses ``path``/saved_model.pb (or .pbtxt); returns (the SavedModel, the file's path)."""
    input_files.require(path, "the INPUT path")
    if not os.path.isdir(path):
        raise input_files.wrong_format(path, "a SavedModel directory",
                                       f"it is {input_files.file_kind(path)}")
    binary = os.path.join(path, "saved_model.pb")
    text = os.path.join(path, "saved_model.pbtxt")
    if os.path.exists(binary):
        name, saved_model = binary, input_files.parse_proto(
            binary, saved_model_pb2.SavedModel(), "a SavedModel")
    elif os.path.exists(text):
        name, saved_model = text, saved_model_pb2.SavedModel()
        try:
            with open(text, "r", encoding="utf-8") as f:
                text_format.Parse(f.read(), saved_model)
        except (text_format.ParseError, UnicodeDecodeError) as e:
            raise input_files.damaged(text, one_line(e)) from e
    elif os.path.isdir(os.path.join(path, "variables")):
        raise input_files.missing(binary, "the SavedModel's graph; its variables/ are there")
    else:
        raise input_files.wrong_format(path, "a SavedModel", "it has no saved_model.pb")
    if not saved_model.meta_graphs:
        raise input_files.damaged(name, "it holds no meta graph")
    return saved_model, name


def select_meta_graph(saved_model, tags: Iterable[str], path: str):
    """Returns the meta graph whose tag set equals ``tags``; lists the tag sets there are if
    none."""
    wanted = set(tags)
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == wanted:
            return meta_graph
    available = "; ".join(
        "{" + ",".join(sorted(m.meta_info_def.tags)) + "}" for m in saved_model.meta_graphs)
    raise ConversionError(
        f"no meta graph with tags {{{','.join(sorted(wanted))}}} in {path}; "
        f"available tag sets: {available} (set --saved_model_tags)")


def select_signature(meta_graph, name: str, fallbacks: Sequence[str] = (),
                     fall_back_to_only: bool = False):
    """Returns the SignatureDef ``name``, else the first of ``fallbacks`` there is, else (with
    ``fall_back_to_only``) the only signature, saying which it uses."""
    names = sorted(k for k in meta_graph.signature_def if k != INIT_OP_SIGNATURE)
    if name in names:
        return meta_graph.signature_def[name]
    substitutes = [f for f in fallbacks if f in names]
    if not substitutes and fall_back_to_only and len(names) == 1:
        substitutes = names
    if substitutes:
        logging.warning("signature %r does not exist; using %r", name, substitutes[0])
        return meta_graph.signature_def[substitutes[0]]
    raise ConversionError(
        f"signature {name!r} does not exist; available signatures: "
        + (", ".join(names) if names else "none") + " (set --signature_name)")


def _tensor_specs(tensor_infos):
    specs = {}
    for key in sorted(tensor_infos):
        info = tensor_infos[key]
        if not info.name:
            raise ConversionError(
                f"signature entry {key!r} is a composite tensor (sparse or ragged), "
                "which TF.js graph models cannot take")
        specs[key] = TensorSpec(info.name, info.dtype, info.tensor_shape)
    return specs


def asset_paths(path, meta_graph):
    """{name of the node that holds an asset's path: the asset file's path}; a missing asset
    file is an error."""
    assets = {}
    for asset in meta_graph.asset_file_def:
        file_path = os.path.join(path, "assets", asset.filename)
        if not os.path.isfile(file_path):
            raise input_files.missing(file_path, "an asset that saved_model.pb lists")
        assets[graph_view.node_name(asset.tensor_info.name)] = file_path
    return assets


def _asset_constants(graph_def, assets):
    """Turns the asset path placeholders of ``graph_def`` into constants holding the paths, and
    drops the assignments of those paths to variables (the variables' values are the paths:
    see ``read_variable_values``)."""
    assignments = {n.name for n in graph_def.node
                   if n.op in ("AssignVariableOp", "Assign") and len(n.input) > 1
                   and graph_view.node_name(n.input[1]) in assets}
    kept = [n for n in graph_def.node if n.name not in assignments]
    del graph_def.node[:]
    graph_def.node.extend(kept)
    for node in graph_def.node:
        node.input[:] = [i for i in node.input if i.lstrip("^") not in assignments]
        if node.name in assets and node.op == "Placeholder":
            name = node.name
            node.Clear()
            node.name, node.op = name, "Const"
            node.attr["dtype"].type = types_pb2.DT_STRING
            node.attr["value"].tensor.CopyFrom(
                tensor_util.make_tensor_proto(assets[name].encode()))


def _initializer(meta_graph, saved_values, assets):
    """The graph of the model's init op (TF2 signature or TF1 collection), if it has one, with
    the paths of the model's assets in it."""
    fetch = []
    if INIT_OP_SIGNATURE in meta_graph.signature_def:
        fetch = [t.name for t in meta_graph.signature_def[INIT_OP_SIGNATURE].outputs.values()]
    else:
        for key in _INIT_OP_COLLECTIONS:
            if key in meta_graph.collection_def:
                fetch = list(meta_graph.collection_def[key].node_list.value)
                break
    fetch = sorted({graph_view.node_name(name) for name in fetch})
    if not fetch:
        return None
    graph_def = graph_pruning.prune(meta_graph.graph_def, fetch)
    values = read_variable_values(meta_graph, graph_def, saved_values, assets)
    _asset_constants(graph_def, assets)
    return InitializerSource(graph_def, values, fetch)


def load(path: str, tags: Sequence[str], signature_name: str, fallbacks: Sequence[str] = (),
         fall_back_to_only: bool = False) -> GraphSource:
    """Reads the SavedModel at ``path`` into a GraphSource for the named signature."""
    saved_model, proto_file = read_saved_model_proto(path)
    meta_graph = select_meta_graph(saved_model, tags, path)
    input_files.check_graph_version(proto_file, meta_graph.graph_def.versions)
    signature = select_signature(meta_graph, signature_name, fallbacks, fall_back_to_only)
    inputs = _tensor_specs(signature.inputs)
    outputs = _tensor_specs(signature.outputs)
    try:
        graph_def = graph_pruning.prune(meta_graph.graph_def, [
            s.node_name for s in list(outputs.values()) + list(inputs.values())])
    except KeyError as e:
        raise ConversionError(f"{path}: the signature names node {e}, which the graph lacks") from e
    # The checkpoint is opened once, and only if a graph has variables.
    saved_values = functools.cache(lambda: checkpoint.Checkpoint(path))
    assets = asset_paths(path, meta_graph)
    values = read_variable_values(meta_graph, graph_def, saved_values, assets)
    return GraphSource(
        graph_def=graph_def, inputs=inputs, outputs=outputs, variable_values=values,
        tf_version=meta_graph.meta_info_def.tensorflow_version,
        initializer=_initializer(meta_graph, saved_values, assets))


def _object_checkpoint_keys(values) -> Optional[Dict[int, str]]:
    """Maps TF2 object-graph node ids to the checkpoint keys of their values (None for TF1)."""
    if not values.has(_OBJECT_GRAPH_KEY):
        return None
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(values.get(_OBJECT_GRAPH_KEY))
    keys = {}
    for node_id, node in enumerate(graph.nodes):
        for attribute in node.attributes:
            if attribute.name == "VARIABLE_VALUE":
                keys[node_id] = attribute.checkpoint_key
    return keys


def _captured_variable_keys(meta_graph, graph_def, object_keys):
    """Maps variable nodes fed to TF2 function calls to checkpoint keys, via bound inputs.

    A TF2 signature is a call of a concrete function whose last arguments are the captured
    variables; the object graph lists, per concrete function, the object behind each capture.
    """
    nodes = graph_view.nodes_by_name(graph_def)
    functions = meta_graph.object_graph_def.concrete_functions
    keys = {}
    for call in graph_def.node:
        function_name = call.attr["f"].func.name if "f" in call.attr else ""
        if function_name not in functions:
            continue
        bound = functions[function_name].bound_inputs
        data_inputs = graph_view.data_inputs(call)
        for tensor, object_id in zip(data_inputs[len(data_inputs) - len(bound):], bound):
            node_name = graph_view.node_name(tensor)
            if nodes[node_name].op in VARIABLE_OPS and object_id in object_keys:
                keys[node_name] = object_keys[object_id]
    return keys


def _asset_variables(meta_graph, assets):
    """{variable node: asset path} for the variables the init op assigns an asset's path: TF2
    keeps a tf.saved_model.Asset's path in a variable that is not in the checkpoint."""
    return {graph_view.node_name(n.input[0]): assets[graph_view.node_name(
        n.input[1])] for n in meta_graph.graph_def.node
            if n.op in ("AssignVariableOp", "Assign") and len(n.input) > 1
            and graph_view.node_name(n.input[1]) in assets}


def read_variable_values(meta_graph, graph_def, saved_values, assets):
    """Returns {variable node name: value} for the variable nodes left in ``graph_def``, each
    read when asked for (checkpoint.CheckpointValues): from the checkpoint ``saved_values()``
    opens, or the path of the asset (of ``assets``,
    ``asset_paths``) the init op assigns them."""
    variables = [n for n in graph_def.node if n.op in VARIABLE_OPS]
    if not variables:
        return {}
    saved_values = saved_values()
    object_keys = _object_checkpoint_keys(saved_values)
    if object_keys is not None:
        keys = _captured_variable_keys(meta_graph, graph_def, object_keys)
    else:
        keys = {}
    found, literals = {}, {}
    asset_variables = _asset_variables(meta_graph, assets)
    for node in variables:
        shared_name = node.attr["shared_name"].s.decode() if "shared_name" in node.attr else ""
        key = keys.get(node.name) or shared_name or node.name
        if not saved_values.has(key) and node.name in asset_variables:
            literals[node.name] = np.array(asset_variables[node.name].encode(), dtype=object)
            continue
        if not saved_values.has(key):
            raise ConversionError(
                f"variable {node.name!r} has no value in {saved_values.directory} (checkpoint key "
                f"{key!r})")
        found[node.name] = key
    return checkpoint.CheckpointValues(saved_values, found, literals)
