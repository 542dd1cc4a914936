"""The graph a reader hands to the freezer: a GraphDef, its signature and its variables' values."""

import dataclasses
from typing import List, Mapping, Optional

import numpy as np
from tensorflow.core.framework import graph_pb2, tensor_shape_pb2

from tools.converter import graph_view


# Ops that hold variables; freezing replaces them with constants.
VARIABLE_OPS = ("VarHandleOp", "VariableV2", "Variable")


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """One signature entry: a tensor of the graph by name (``node:index``), dtype and shape."""

    name: str
    dtype: int  # a tensorflow.core.framework.types_pb2.DataType value
    shape: tensor_shape_pb2.TensorShapeProto

    @property
    def node_name(self):
        """The name of the node producing this tensor."""
        return graph_view.node_name(self.name)


@dataclasses.dataclass
class GraphSource:
    """A model read from disk, before freezing.

    ``variable_values`` holds the value of every variable node (VarHandleOp, VariableV2) the
    signature's outputs depend on, keyed by node name (a mapping that may read each value from the
    checkpoint when asked for: read it once and keep what is needed). ``initializer`` is the graph that fills
    resources such as hash tables, when the model has one.
    """

    graph_def: graph_pb2.GraphDef
    inputs: Mapping[str, TensorSpec]
    outputs: Mapping[str, TensorSpec]
    variable_values: Mapping[str, np.ndarray]
    tf_version: str
    initializer: Optional["InitializerSource"] = None


@dataclasses.dataclass
class InitializerSource:
    """The model's initialisation graph (e.g. hash table imports), ending in ``fetch`` nodes."""

    graph_def: graph_pb2.GraphDef
    variable_values: Mapping[str, np.ndarray]
    fetch: List[str]
