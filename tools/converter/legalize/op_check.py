"""Fails a conversion whose graph uses ops TF.js cannot execute."""

from tools.converter import version
from tools.converter.legalize import tfjs_op_list
from tools.converter.errors import ConversionError

# Removed by --strip_debug_ops before the check; listed so the message can suggest it.
DEBUG_OPS = frozenset(("Assert", "CheckNumerics", "Print", "PrintV2"))


def unsupported_ops(graph_def, supported=None):
    """Returns {op: where} for each unsupported op, ``where`` naming one node that uses it."""
    supported = tfjs_op_list.supported_ops() if supported is None else supported
    found = {}
    for node in graph_def.node:
        if node.op not in supported:
            found.setdefault(node.op, f"node {node.name!r}")
    for function in sorted(graph_def.library.function, key=lambda f: f.signature.name):
        for node in function.node_def:
            if node.op not in supported:
                found.setdefault(
                    node.op, f"node {node.name!r} in function {function.signature.name!r}")
    return dict(sorted(found.items()))


def check_ops(graph_def):
    """Raises ConversionError naming every op TF.js lacks and one node using each."""
    found = unsupported_ops(graph_def)
    if not found:
        return
    listing = "; ".join(f"{op} ({where})" for op, where in found.items())
    hint = " (--strip_debug_ops removes debug ops)" if DEBUG_OPS & set(found) else ""
    raise ConversionError(
        f"ops not supported by {version.TFJS}: {listing}{hint}; "
        "--skip_op_check converts anyway")
