"""The ``signature`` of model.json: every input and output by key, each output its own node.

TF.js keys outputs by node (``signatureKey`` is a node property), so outputs sharing a node --
two outputs of one multi-output op, or one tensor under two keys -- would lose their names.
Each output therefore gets an Identity node of its own, named after its key.
"""

import re
from typing import Dict, Mapping, Optional

from google.protobuf import json_format
from tensorflow.core.framework import graph_pb2, types_pb2

from tools.converter.graph_edit import claim_name
from tools.converter.readers.graph_source import TensorSpec

_NODE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-/]")


def _unique_node_name(key, taken):
    return claim_name(_NODE_NAME_CHARS.sub("_", key).lstrip("_./-") or "output", taken)


def add_output_nodes(graph_def: graph_pb2.GraphDef,
                     outputs: Mapping[str, TensorSpec]) -> Dict[str, TensorSpec]:
    """Adds one Identity per output key to ``graph_def``; returns the outputs renamed to them."""
    taken = {n.name for n in graph_def.node}
    renamed = {}
    for key, spec in outputs.items():
        node = graph_def.node.add(name=_unique_node_name(key, taken), op="Identity",
                                  input=[spec.name])
        node.attr["T"].type = spec.dtype
        renamed[key] = TensorSpec(f"{node.name}:0", spec.dtype, spec.shape)
    return renamed


def entry(spec: TensorSpec, resource_id: Optional[int] = None):
    """One signature entry; a ``resourceId`` links a DT_RESOURCE input to an initializer output."""
    result = {
        "name": spec.name,
        "dtype": types_pb2.DataType.Name(spec.dtype),
        "tensorShape": json_format.MessageToDict(spec.shape),
    }
    if resource_id is not None:
        result["resourceId"] = resource_id
    return result


def signature_json(inputs: Mapping[str, TensorSpec], outputs: Mapping[str, TensorSpec],
                   resource_inputs=None):
    """The model.json ``signature``; ``resource_inputs`` maps keys to (TensorSpec, resourceId)."""
    resource_inputs = resource_inputs or {}
    return {
        "inputs": {**{key: entry(spec) for key, spec in inputs.items()},
                   **{key: entry(spec, rid) for key, (spec, rid) in resource_inputs.items()}},
        "outputs": {key: entry(spec) for key, spec in outputs.items()},
    }

