"""Reads a frozen GraphDef (.pb) with the output nodes the user names."""

import os
from typing import Sequence

from tensorflow.core.framework import graph_pb2
from tensorflow.python.framework import errors, importer, ops, versions

from tools.converter.passes import graph_pruning
from tools.converter.readers import input_files
from tools.converter.errors import ConversionError
from tools.converter.readers.graph_source import VARIABLE_OPS, GraphSource, TensorSpec


def _read_graph_def(path):
    input_files.require(path, "the INPUT path")
    if os.path.isdir(path):
        raise input_files.wrong_format(
            path, "a frozen GraphDef", "it is a directory (a SavedModel? use "
            "--input_format=tf_saved_model); --input_format=tf_frozen_model takes a .pb file")
    graph_def = input_files.parse_proto(path, graph_pb2.GraphDef(), "a frozen GraphDef")
    if not graph_def.node:
        raise input_files.wrong_format(path, "a frozen GraphDef", "it holds no nodes")
    input_files.check_graph_version(path, graph_def.versions)
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
    with ops.Graph().as_default() as graph:
        try:
            importer.import_graph_def(graph_def, name="")
        except (ValueError, errors.OpError) as e:
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
        tf_version=versions.__version__)
