"""Graph optimisation for TF.js: grappler's generic passes, then the fusions TF.js executes."""

from typing import Sequence

from tools.converter import bias_add, fused_ops
from tools.converter.freezer import run_grappler

_GENERIC_PASSES = ("pruning", "constfold", "arithmetic", "dependency")
_FUSION_PASSES = ("remap", "constfold", "arithmetic", "dependency")


def optimize(graph_def, fetch_tensors: Sequence[str], strip_debug_ops: bool):
    """Returns ``graph_def`` simplified and with _FusedConv2D/_FusedMatMul fusions applied."""
    passes = list(_GENERIC_PASSES) * 2
    if strip_debug_ops:
        passes.insert(0, "debug_stripper")
    graph_def = run_grappler(graph_def, fetch_tensors, passes)
    bias_add.normalize_bias_adds(graph_def)
    # The remapper fuses only ops placed on a CPU; the placement is dropped afterwards.
    for node in graph_def.node:
        node.device = "/device:CPU:0"
    graph_def = run_grappler(graph_def, fetch_tensors, _FUSION_PASSES)
    fused_ops.split_unsupported_fusions(graph_def)
    for node in graph_def.node:
        node.ClearField("device")
    return graph_def
