"""Gives every output of a function (While/If bodies) a node of its own.

TF.js records a function output's index on the producing node (``defaultOutput``), so two
outputs taken from one multi-output node -- e.g. a nested While's loop variables returned by
its enclosing loop body -- would both read the last index. An Identity per extra output keeps
each one exact.
"""

from tools.converter import graph_edit, graph_view


def separate_function_outputs(graph_def):
    """Rewrites functions of ``graph_def`` in place so no two outputs share a producing node."""
    for function in graph_def.library.function:
        types = {arg.name: arg.type for arg in function.signature.output_arg}
        taken = {n.name for n in function.node_def}
        seen = set()
        for key in sorted(function.ret):
            tensor = function.ret[key]
            node = graph_view.node_name(tensor)
            if node not in seen:
                seen.add(node)
                continue
            name = graph_edit.claim_name(f"{node}/{key}_output", taken)
            identity = function.node_def.add(name=name, op="Identity", input=[tensor])
            identity.attr["T"].type = types[key]
            function.ret[key] = f"{name}:output:0"
