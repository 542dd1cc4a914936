"""model.json for a graph model, serialised canonically so equal models give equal bytes."""

import json
from typing import Optional

from google.protobuf import json_format

from tools.converter import version

FORMAT = "graph-model"


def graph_json(graph_def):
    """A GraphDef in protobuf JSON form (int64 as strings, bytes as base64), as TF.js reads it."""
    return json_format.MessageToDict(graph_def)


def build(topology, weights_manifest, signature, generated_by: str,
          user_metadata: Optional[dict] = None, initializer=None, initializer_signature=None):
    """Returns the model.json object for a graph model."""
    model = {
        "format": FORMAT,
        "generatedBy": generated_by,
        "convertedBy": version.CONVERTED_BY,
        "modelTopology": topology,
        "weightsManifest": weights_manifest,
        "signature": signature,
    }
    if user_metadata:
        model["userDefinedMetadata"] = user_metadata
    if initializer is not None:
        model["modelInitializer"] = initializer
        model["initializerSignature"] = initializer_signature
    return model


def dumps(model) -> bytes:
    """Canonical JSON: sorted keys (protobuf map order varies by process), no spaces, UTF-8."""
    return json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
