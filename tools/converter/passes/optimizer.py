"""Graph optimisation for TF.js: the passes, in order (see ``passes``).

Grappler simplifies the frozen graph; channels-first ops become channels-last ones between
transposes (TF.js runs them channels-last only); batch norms fold into the weights before them; constant
per-channel adds become BiasAdd; grappler's remapper fuses Conv2D/MatMul with their bias and
activation, and our own pass does the same for depthwise convolutions; fusions TF.js cannot run
are split again, activations it can fuse are fused, PReLU becomes TF.js's Prelu (fused too);
ops TF.js lacks are rewritten into ops it has; what no output needs is dropped.
"""

from typing import Sequence

from tools.converter.legalize import op_rewrites
from tools.converter.passes import (batch_norm, bias_add, depthwise, fused_ops, graph_pruning,
                                    nchw, prelu)
from tools.converter.passes.graph_pruning import input_node_name
from tools.converter.passes.freezer import run_grappler

_GENERIC_PASSES = ("pruning", "constfold", "arithmetic", "dependency") * 2
# No "arithmetic" after fusing: it would merge adds back into AddN.
_FUSION_PASSES = ("remap", "constfold", "dependency")


def _grappler(passes):
    return lambda graph_def, fetch: run_grappler(graph_def, fetch, passes)


def _in_place(rewrite):
    def run(graph_def, _fetch):
        rewrite(graph_def)
        return graph_def
    return run


def _remap(graph_def, fetch):
    # The remapper fuses only ops placed on a CPU; the placement is dropped afterwards.
    for node in graph_def.node:
        node.device = "/device:CPU:0"
    graph_def = run_grappler(graph_def, fetch, _FUSION_PASSES)
    for node in graph_def.node:
        node.ClearField("device")
    return graph_def


def _prune(graph_def, fetch):
    return graph_pruning.prune(graph_def, [input_node_name(t) for t in fetch])


def passes(strip_debug_ops: bool):
    """The optimisation passes, each ``(name, pass(graph_def, fetch) -> graph_def)``."""
    generic = (("debug_stripper",) if strip_debug_ops else ()) + _GENERIC_PASSES
    return (
        ("grappler: prune, fold constants, simplify", _grappler(generic)),
        ("channels-first ops as channels-last", _in_place(nchw.nchw_as_nhwc)),
        ("fold batch norms", _in_place(batch_norm.decompose_batch_norms)),
        ("fold scales into weights", _in_place(batch_norm.fold_scales_into_weights)),
        ("normalise bias adds", _in_place(bias_add.normalize_bias_adds)),
        ("grappler: fuse Conv2D/MatMul", _remap),
        ("fuse depthwise convolutions", _in_place(depthwise.fuse_depthwise_convolutions)),
        ("split fusions TF.js cannot run", _in_place(fused_ops.split_unsupported_fusions)),
        ("fuse the activations the remapper left", _in_place(fused_ops.absorb_activations)),
        ("fuse PReLU (a TF.js op: no grappler from here on)", _in_place(prelu.fuse_prelu)),
        ("rewrite ops TF.js lacks", _in_place(op_rewrites.rewrite_unsupported_ops)),
        ("drop what no output needs", _prune),
    )


def optimize(graph_def, fetch_tensors: Sequence[str], strip_debug_ops: bool):
    """Returns ``graph_def`` optimised for TF.js; ``fetch_tensors`` survive unchanged."""
    for _, run in passes(strip_debug_ops):
        graph_def = run(graph_def, fetch_tensors)
    return graph_def
