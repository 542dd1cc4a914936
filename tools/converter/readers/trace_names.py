"""Names in a graph traced in this process that would carry process-wide counters, renumbered in
the order they were traced (so 0, 1, 2... for every model, whatever was traced before it).

Tracing names a captured tensor's placeholder and a while loop's unused condition arguments
after counters shared by the whole process, so the same Keras model traced after another one in
one process (a persistent worker) would otherwise get another model.json and other weight names.
"""

import re

_NUMBERED_CAPTURE = re.compile(r"^(.*/)?(\d+)$")
_REDUNDANT_PLACEHOLDER = re.compile(r"_(\d+)___redundant_placeholder(\d+)$")


def renumber_redundant_placeholders(graph_def):
    """Renumbers the loops in the names of their conditions' unused arguments
    (``..._while_cond_204___redundant_placeholder0``), in place."""
    functions = graph_def.library.function
    numbers = sorted({int(match.group(1)) for function in functions
                      for arg in function.signature.input_arg
                      for match in [_REDUNDANT_PLACEHOLDER.search(arg.name)] if match})
    rank = {number: i for i, number in enumerate(numbers)}
    for function in functions:
        renames = {}
        for arg in function.signature.input_arg:
            match = _REDUNDANT_PLACEHOLDER.search(arg.name)
            if match:
                renames[arg.name] = (f"{arg.name[:match.start()]}_{rank[int(match.group(1))]}"
                                     f"___redundant_placeholder{match.group(2)}")
                arg.name = renames[arg.name]
        if not renames:
            continue
        for node in function.node_def:
            node.input[:] = [_renamed_input(t, renames) for t in node.input]
        for key, tensor in list(function.ret.items()):
            function.ret[key] = _renamed_input(tensor, renames)


def _renamed_input(tensor, renames):
    control = "^" if tensor.startswith("^") else ""
    name, sep, rest = tensor.lstrip("^").partition(":")
    return control + renames.get(name, name) + sep + rest


def renumber_captures(graph_def, captures):
    """Renumbers the placeholders of ``captures`` (node names) named ``<scope>/<number>``, and
    every input naming them, in the top-level graph of ``graph_def``, in place; returns
    {old name: new name}."""
    numbered = {name: match for name in captures
                for match in [_NUMBERED_CAPTURE.match(name)] if match}
    rank = {number: i for i, number in enumerate(sorted({int(m.group(2))
                                                          for m in numbered.values()}))}
    taken = {node.name for node in graph_def.node} - set(numbered)
    renames = {}
    for name, match in numbered.items():
        new = f"{match.group(1) or ''}{rank[int(match.group(2))]}"
        if new not in taken:
            renames[name] = new
            taken.add(new)
    for node in graph_def.node:
        node.name = renames.get(node.name, node.name)
        node.input[:] = [_renamed_input(t, renames) for t in node.input]
    return renames


_NUMBERED_FUNCTION = re.compile(r"^(.*)_(\d+)$")
_FROZEN_SUFFIX = re.compile(r"_frozen_\d+$")


def renumber_functions(graph_def):
    """Renumbers the functions named ``<name>_<number>`` (tf_keras's ``while_body_758``; with
    the ``_frozen_<n>`` TensorFlow's converter adds dropped too), and every call to them, in
    place."""
    numbered = {f.signature.name: match for f in graph_def.library.function
                for match in [_NUMBERED_FUNCTION.match(
                    _FROZEN_SUFFIX.sub("", f.signature.name))] if match}
    rank = {number: i for i, number in enumerate(sorted({int(m.group(2))
                                                          for m in numbered.values()}))}
    renames = {name: f"{m.group(1)}_{rank[int(m.group(2))]}" for name, m in numbered.items()}
    for function in graph_def.library.function:
        function.signature.name = renames.get(function.signature.name, function.signature.name)
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    for node in nodes:
        for value in node.attr.values():
            if value.HasField("func"):
                value.func.name = renames.get(value.func.name, value.func.name)
            for function in value.list.func:
                function.name = renames.get(function.name, function.name)
