"""Hash tables the TF.js way: created and filled by a ``modelInitializer`` graph, then fed to the
model as ``DT_RESOURCE`` inputs that share a ``resourceId`` with the initializer's outputs.

TF.js runs the initializer's outputs once at load time and only computes what they depend on,
so each table's output is an Identity of the table handle with control inputs on the ops that
fill it.
"""

import dataclasses
from typing import Dict, Optional, Tuple

from tensorflow.core.framework import graph_pb2, tensor_shape_pb2, types_pb2

from tools.converter import graph_edit, graph_view, signature
from tools.converter.passes import graph_pruning
from tools.converter.readers.graph_source import TensorSpec

TABLE_OPS = ("HashTable", "HashTableV2", "MutableHashTable", "MutableHashTableV2")
_SCALAR = tensor_shape_pb2.TensorShapeProto()


@dataclasses.dataclass
class SplitTables:
    """The main graph with tables as inputs, and the initializer graph that makes them."""

    graph_def: graph_pb2.GraphDef
    initializer: graph_pb2.GraphDef
    # Keyed by table node name (inputs) and initializer tensor (outputs): (spec, resourceId).
    resource_inputs: Dict[str, Tuple[TensorSpec, int]]
    initializer_outputs: Dict[str, Tuple[TensorSpec, int]]

    def initializer_signature(self):
        """model.json's ``initializerSignature``."""
        return {"outputs": {key: signature.entry(spec, rid)
                            for key, (spec, rid) in self.initializer_outputs.items()}}


def _table_users(initializer):
    """Maps each table node of ``initializer`` to the nodes that take its handle."""
    nodes = graph_view.nodes_by_name(initializer)

    def table_behind(tensor):
        node = graph_edit.behind_identities(nodes, tensor)
        return node.name if node is not None and node.op in TABLE_OPS else None

    users = {}
    for node in initializer.node:
        if node.op not in TABLE_OPS and node.input and not graph_view.is_control(node.input[0]):
            table = table_behind(node.input[0])
            if table is not None:
                users.setdefault(table, []).append(node.name)
    return users


def split(graph_def, initializer) -> Optional[SplitTables]:
    """Moves the tables of ``graph_def`` into an initializer built from ``initializer``.

    Returns None when the main graph uses no table that the initializer fills.
    """
    users = _table_users(initializer)
    tables = sorted(n.name for n in graph_def.node if n.op in TABLE_OPS and n.name in users)
    if not tables:
        return None
    taken = {n.name for n in initializer.node} | {n.name for n in graph_def.node}
    resource_inputs, outputs = {}, {}
    for resource_id, table in enumerate(tables):
        ready = f"{table}/initialized"
        while ready in taken:
            ready += "_"
        taken.add(ready)
        identity = initializer.node.add(
            name=ready, op="Identity", input=[table] + [f"^{u}" for u in sorted(users[table])])
        identity.attr["T"].type = types_pb2.DT_RESOURCE
        outputs[f"{ready}:0"] = (
            TensorSpec(f"{ready}:0", types_pb2.DT_RESOURCE, _SCALAR), resource_id)
        resource_inputs[table] = (
            TensorSpec(f"{table}:0", types_pb2.DT_RESOURCE, _SCALAR), resource_id)
    for node in graph_def.node:
        if node.name in resource_inputs:
            name = node.name
            node.Clear()
            node.name, node.op = name, "Placeholder"
            node.attr["dtype"].type = types_pb2.DT_RESOURCE
            node.attr["shape"].shape.CopyFrom(_SCALAR)
    initializer = graph_pruning.prune(initializer, [graph_view.node_name(o) for o in outputs])
    return SplitTables(graph_def, initializer, resource_inputs, outputs)
