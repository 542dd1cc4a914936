"""Reads a frozen GraphDef (.pb) with the output nodes the user names."""

import os
from typing import Sequence

import tensorflow as tf
from google.protobuf import message
from tensorflow.core.framework import graph_pb2

from tools.converter import graph_pruning
from tools.converter.errors import ConversionError
from tools.converter.graph_source import VARIABLE_OPS, GraphSource, TensorSpec



def _read_graph_def(path):
    if not os.path.exists(path):
        raise ConversionError(f"input path does not exist: {path}")
    if os.path.isdir(path):
        raise ConversionError(
            f"{path} is a directory; --input_format=tf_frozen_model takes a GraphDef .pb file")
    graph_def = graph_pb2.GraphDef()
    try:
        with open(path, "rb") as f:
            graph_def.ParseFromString(f.read())
    except message.DecodeError as e:
        raise ConversionError(f"{path} is not a binary GraphDef (truncated or corrupt): {e}") from e
    if not graph_def.node:
        raise ConversionError(f"{path} is not a binary GraphDef: it holds no nodes")
    return graph_def


def load(path: str, output_node_names: Sequence[str]) -> GraphSource:
    """Reads the graph at ``path``; inputs are its placeholders, outputs the named nodes."""
    graph_def = _read_graph_def(path)
    names = {n.name for n in graph_def.node}
    missing = [n for n in output_node_names if n not in names]
    if missing:
        raise ConversionError(
            f"--output_node_names: no node named {', '.join(map(repr, missing))} in {path}")
    graph_def = graph_pruning.prune(graph_def, output_node_names)
    variables = sorted(n.name for n in graph_def.node if n.op in VARIABLE_OPS)
    if variables:
        raise ConversionError(
            f"{path} is not frozen: it still has variables ({', '.join(variables[:3])}); "
            "convert the SavedModel instead")
    with tf.Graph().as_default() as graph:
        try:
            tf.graph_util.import_graph_def(graph_def, name="")
        except (ValueError, tf.errors.OpError) as e:
            raise ConversionError(f"{path} is not a valid graph: {str(e).splitlines()[0]}") from e

    def spec(node_name):
        tensor = graph.get_tensor_by_name(node_name + ":0")
        return TensorSpec(tensor.name, tensor.dtype.as_datatype_enum,
                          tensor.shape.as_proto())

    placeholders = sorted(n.name for n in graph_def.node if n.op == "Placeholder")
    return GraphSource(
        graph_def=graph_def,
        inputs={name: spec(name) for name in placeholders},
        outputs={name: spec(name) for name in output_node_names},
        variable_values={},
        tf_version=tf.__version__)
