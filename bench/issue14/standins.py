"""PROTOTYPE (issue 14): weights as stand-in nodes through the graph passes.

Every tensor of at least THRESHOLD bytes -- variable values at freezing, and Consts of the read
graph -- is replaced by a stand-in node (a Placeholder keeping dtype and shape) before freezing;
SIDE maps the stand-in's name to how to get its value. Here SIDE holds the value itself (the
prototype only checks which graphs and bytes come out; the real design holds a checkpoint key or a
deferred computation instead). The passes read stand-ins on demand (graph_edit.const_value) and a
value they compute of THRESHOLD bytes or more becomes a stand-in too (graph_edit.make_const).
Right before canonicalise the stand-ins become Consts again, so the writer is unchanged.

    PYTHONPATH=. python bench/issue14/standins.py SRC_DIR THRESHOLD [--collapse] [name ...]

runs the named conversions of SRC_DIR/conversions.json (test_no_behaviour_change --build) with the
stand-ins and compares the files with tests/converter/testdata/output_hashes.json.
"""

import hashlib
import json
import os
import pathlib
import sys

from tools.converter import tf_import
tf_import.import_tensorflow()

import numpy as np  # noqa: E402
from tensorflow.core.framework import node_def_pb2, types_pb2  # noqa: E402
from tensorflow.python.framework import tensor_util  # noqa: E402

from tools.converter import cli, graph_edit, graph_view, pipeline  # noqa: E402
from tools.converter.passes import freezer  # noqa: E402

THRESHOLD = 1024
COLLAPSE = False
SIDE = {}          # stand-in node name -> value (prototype; real: a reference)
STATS = {"variables": 0, "graph_consts": 0, "computed": 0, "collapsed": 0,
         "function_consts_left": 0, "read_on_demand": 0}

_real_const_value = graph_edit.const_value
_real_make_const = graph_edit.make_const
_real_run_grappler = freezer.run_grappler
_real_canonicalise = pipeline.canonicalise
_real_freeze = freezer.freeze
_real_freeze_stage = pipeline.freeze
INITIALIZER = [None]


def freeze_stage(c):
    INITIALIZER[0] = c.source.initializer.graph_def if c.source.initializer else None
    _real_freeze_stage(c)


def _nbytes(value):
    """The bytes that count for the threshold: 0 for strings and for uniform tensors (all one
    value), which stay Consts: grappler simplifies on their values (x + 0, x * 1) and a TensorProto
    stores them in one value whatever their size."""
    value = np.asarray(value)
    if value.dtype.kind in "OSU" or value.size == 0:
        return 0
    flat = value.reshape(-1)
    if (flat == flat[0]).all():
        return 0
    return value.nbytes


def stand_in(name, value):
    """A Placeholder with the value's dtype and shape; SIDE[name] = value."""
    value = np.asarray(value)
    node = node_def_pb2.NodeDef(name=name, op="Placeholder")
    node.attr["dtype"].type = tensor_util.make_tensor_proto(value.flat[:1]).dtype \
        if value.size else types_pb2.DT_FLOAT
    for dim in value.shape:
        node.attr["shape"].shape.dim.add(size=dim)
    SIDE[name] = value
    return node


def is_stand_in(node):
    return node is not None and node.op == "Placeholder" and node.name in SIDE


def const_value(node):
    if is_stand_in(node):
        STATS["read_on_demand"] += 1
        return SIDE[node.name]
    return _real_const_value(node)


def make_const(name, value):
    if _nbytes(value) >= THRESHOLD:
        STATS["computed"] += 1
        return stand_in(name, value)
    return _real_make_const(name, value)


def _replace_large_consts(graph_def):
    for i, node in enumerate(graph_def.node):
        if node.op == "Const":
            value = tensor_util.MakeNdarray(node.attr["value"].tensor)
            if _nbytes(value) >= THRESHOLD:
                graph_def.node[i].CopyFrom(stand_in(node.name, value))
                STATS["graph_consts"] += 1
    for function in graph_def.library.function:
        for node in function.node_def:
            if node.op == "Const" and _nbytes(tensor_util.MakeNdarray(
                    node.attr["value"].tensor)) >= THRESHOLD:
                STATS["function_consts_left"] += 1


def freeze(graph_def, variable_values, fetch, lower_control_flow):
    """freezer.freeze, with large variables frozen as stand-ins (and large Consts too)."""
    from tensorflow.python.framework import convert_to_constants  # pylint: disable=import-outside-toplevel
    if graph_def is INITIALIZER[0]:
        # Initializer graphs (table contents) keep their Consts: grappler's inliner keeps
        # control edges from Consts but not from Placeholders (NoOp input_control_node).
        return _real_freeze(graph_def, variable_values, fetch, lower_control_flow)
    graph_def = graph_def.__deepcopy__()
    _replace_large_consts(graph_def)
    large = {k: v for k, v in variable_values.items() if _nbytes(v) >= THRESHOLD}
    # Dummy values of the right shape: TensorFlow's converter copies the shape into the
    # output_shapes of While/If nodes the variable passes through. (The prototype lets the
    # converter build a full-size proto of zeros; the real design emits the stand-in from the
    # converter's VarHandle rewrite instead.)
    small = {k: (np.broadcast_to(np.zeros((), np.asarray(v).dtype), np.shape(v)) if k in large
                 else v) for k, v in variable_values.items()}
    data = freezer._CheckpointConverterData(graph_def, small)  # pylint: disable=protected-access
    graph_def, _ = convert_to_constants._replace_variables_by_constants(data)  # pylint: disable=protected-access
    for i, node in enumerate(graph_def.node):
        if node.name in large and node.op == "Const":
            graph_def.node[i].CopyFrom(stand_in(node.name, large[node.name]))
            STATS["variables"] += 1
    freezer._gathers_in_functions_read_constants(graph_def)  # pylint: disable=protected-access
    freezer._set_control_flow_lowering(graph_def, lower_control_flow)  # pylint: disable=protected-access
    for function in graph_def.library.function:
        if "api_implements" in function.attr:
            del function.attr["api_implements"]
    graph_def = _real_run_grappler(graph_def, fetch, ["function"])
    freezer._restore_function_names(graph_def)  # pylint: disable=protected-access
    return graph_def


def collapse_identities(graph_def, fetch):
    """What constfold does to Identity(Const): the Identity becomes a Const of the same value,
    under its own name; the source node goes when nothing else reads it."""
    keep = {graph_view.node_name(t) for t in fetch}
    changed = True
    while changed:
        changed = False
        nodes = {n.name: n for n in graph_def.node}
        for i, node in enumerate(graph_def.node):
            if node.op not in ("Identity",) or node.name in keep:
                continue
            data = [t for t in node.input if not t.startswith("^")]
            if len(data) != 1 or len(data) != len(node.input):
                continue
            source = nodes.get(graph_view.node_name(data[0]))
            if is_stand_in(source) and graph_view.output_index(data[0]) == 0:
                graph_def.node[i].CopyFrom(stand_in(node.name, SIDE[source.name]))
                STATS["collapsed"] += 1
                changed = True
        if changed:
            readers = {graph_view.node_name(t) for n in graph_def.node for t in n.input}
            kept = [n for n in graph_def.node
                    if not (is_stand_in(n) and n.name not in readers and n.name not in keep)]
            del graph_def.node[:]
            graph_def.node.extend(kept)


def _is_constant(node):
    return node is not None and (node.op == "Const" or is_stand_in(node))


_NOT_FOLDABLE = ("Placeholder", "PlaceholderWithDefault", "NoOp", "While", "StatelessWhile",
                 "If", "StatelessIf", "Case", "StatelessCase", "VarHandleOp", "HashTableV2",
                 "MutableHashTableV2", "RandomUniform", "RandomStandardNormal")


def materialise_foldable(graph_def):
    """A stand-in read by a node grappler's constfold would compute (all its data inputs
    constant, transitively) becomes a Const again: batch-norm statistics, shapes... Returns how
    many."""
    nodes = {n.name: n for n in graph_def.node}
    constant = {}

    def is_constant(name, depth=0):
        if name in constant:
            return constant[name]
        node = nodes.get(name)
        constant[name] = False  # cycles (loops) are not constant
        if node is None:
            return False
        if node.op == "Const" or is_stand_in(node):
            constant[name] = True
            return True
        data = [t for t in node.input if not t.startswith("^")]
        constant[name] = bool(data) and node.op not in _NOT_FOLDABLE and all(
            is_constant(graph_view.node_name(t), depth + 1) for t in data)
        return constant[name]

    count = 0
    for node in list(graph_def.node):
        if node.op == "Const" or is_stand_in(node) or not is_constant(node.name):
            continue
        for tensor in node.input:
            source = nodes.get(graph_view.node_name(tensor))
            if is_stand_in(source):
                source.CopyFrom(_real_make_const(source.name, SIDE.pop(source.name)))
                count += 1
    STATS["materialised"] = STATS.get("materialised", 0) + count
    return count


def _valid_pushdown_shape(filter_shape, const_shape):
    """IsValidConstShapeForMulConvPushDown, NHWC: the constant broadcasts along the filter's
    output channels only."""
    if len(const_shape) > len(filter_shape):
        return False
    if not const_shape:
        return True
    if any(d != 1 for d in const_shape[:-1]):
        return False
    return const_shape[-1] in (1, filter_shape[-1])


def push_muls_into_convs(graph_def, fetch):
    """constfold's MulConvPushDown, for a Conv2D whose filter is a stand-in:
    Mul(Conv2D(x, W), C) -> Conv2D(x, merged_input) named as the Mul, merged_input = W * C
    (float32, as TensorFlow's Mul kernel; a stand-in of a deferred product in the real design)."""
    keep = {graph_view.node_name(t) for t in fetch}
    nodes = {n.name: n for n in graph_def.node}
    readers = {}
    for n in graph_def.node:
        for t in n.input:
            if not t.startswith("^"):
                readers.setdefault(graph_view.node_name(t), []).append(n.name)
    for mul in list(graph_def.node):
        if mul.op != "Mul" or len(mul.input) != 2 or any(t.startswith("^") for t in mul.input):
            continue
        left, right = (nodes.get(graph_view.node_name(t)) for t in mul.input)
        const_index = 0 if _is_constant(left) else 1 if _is_constant(right) else None
        if const_index is None:
            continue
        const, conv = (left, right) if const_index == 0 else (right, left)
        if conv is None or conv.op != "Conv2D" or conv.name in keep or ":" in mul.input[1 - const_index]:
            continue
        if len(readers.get(conv.name, [])) != 1 or conv.attr["data_format"].s != b"NHWC":
            continue
        filter_node = nodes.get(graph_view.node_name(conv.input[1]))
        input_node = nodes.get(graph_view.node_name(conv.input[0]))
        if not is_stand_in(filter_node) or _is_constant(input_node):
            continue
        weights = SIDE[filter_node.name]
        scale = const_value(const)
        if not _valid_pushdown_shape(list(weights.shape), list(scale.shape)):
            continue
        merged_name = f"{conv.name}/merged_input"
        if merged_name in nodes:
            continue
        product = (scale * weights) if const_index == 0 else (weights * scale)
        merged = stand_in(merged_name, product.astype(weights.dtype)) if product.nbytes >= THRESHOLD \
            else _real_make_const(merged_name, product.astype(weights.dtype))
        mul_name = mul.name
        conv.name = mul_name
        conv.input[1] = merged_name
        mul.op = "_PushedDown"  # marks the Mul for removal (it shares its name with the conv)
        graph_def.node.append(merged)
        STATS["pushed_down"] = STATS.get("pushed_down", 0) + 1
        nodes = {n.name: n for n in graph_def.node if n.op != "_PushedDown"}
    kept = [n for n in graph_def.node if n.op != "_PushedDown"]
    del graph_def.node[:]
    graph_def.node.extend(kept)
    # the filter stand-in is left to the pruning of the next grappler / prune pass


def run_grappler(graph_def, fetch_tensors, optimizers):
    optimizers = list(optimizers)
    if COLLAPSE and "pruning" in optimizers and "constfold" in optimizers:
        # The meta-optimizer runs pruning, then constfold (which turns Identity(Const) into a
        # Const named as the Identity), then dependency (which drops Identity(Placeholder)):
        # stand-ins are collapsed where constfold would have folded, after the first pruning.
        first = optimizers.index("pruning") + 1
        graph_def = _real_run_grappler(graph_def, fetch_tensors, optimizers[:first])
        optimizers = optimizers[first:]
    if COLLAPSE and "constfold" in optimizers:
        collapse_identities(graph_def, fetch_tensors)
        materialise_foldable(graph_def)
    out = _real_run_grappler(graph_def, fetch_tensors, optimizers)
    if COLLAPSE and "constfold" in optimizers:
        collapse_identities(out, fetch_tensors)
        drop_control_edges_from_stand_ins(out, fetch_tensors)
        push_muls_into_convs(out, fetch_tensors)
    return out


def drop_control_edges_from_stand_ins(graph_def, fetch):
    """Grappler drops control edges from constants (a Const without inputs is always ready);
    the stand-ins that have no readers left go too."""
    keep = {graph_view.node_name(t) for t in fetch}
    stand_ins = {n.name for n in graph_def.node if is_stand_in(n)}
    for node in graph_def.node:
        inputs = [t for t in node.input if not (t.startswith("^") and t[1:] in stand_ins)]
        if len(inputs) != len(node.input):
            del node.input[:]
            node.input.extend(inputs)
    readers = {graph_view.node_name(t) for n in graph_def.node for t in n.input}
    kept = [n for n in graph_def.node
            if not (n.name in stand_ins and n.name not in readers and n.name not in keep)]
    del graph_def.node[:]
    graph_def.node.extend(kept)


def _materialise(graph_def):
    for i, node in enumerate(graph_def.node):
        if is_stand_in(node):
            STATS["final_stand_ins"] = STATS.get("final_stand_ins", 0) + 1
            STATS["final_stand_in_bytes"] = (STATS.get("final_stand_in_bytes", 0)
                                             + SIDE[node.name].nbytes)
            graph_def.node[i].CopyFrom(_real_make_const(node.name, SIDE[node.name]))
        elif node.op == "Const":
            STATS["final_consts"] = STATS.get("final_consts", 0) + 1
            STATS["final_const_bytes"] = STATS.get("final_const_bytes", 0) + _nbytes(
                tensor_util.MakeNdarray(node.attr["value"].tensor))


def canonicalise(c):
    _materialise(c.graph_def)
    if c.tables:
        _materialise(c.tables.initializer)
    _real_canonicalise(c)


def install(threshold, collapse):
    global THRESHOLD, COLLAPSE  # pylint: disable=global-statement
    THRESHOLD, COLLAPSE = threshold, collapse
    graph_edit.const_value = const_value
    graph_edit.make_const = make_const
    freezer.freeze = freeze
    freezer.run_grappler = run_grappler
    pipeline.GRAPH_STAGES = tuple(
        (n, {"canonicalise": canonicalise, "freeze": freeze_stage}.get(n, s))
        for n, s in pipeline.GRAPH_STAGES)


def main():
    args = sys.argv[1:]
    collapse = "--collapse" in args
    args = [a for a in args if a != "--collapse"]
    workdir, threshold, names = pathlib.Path(args[0]), int(args[1]), set(args[2:])
    install(threshold, collapse)
    expected = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests" / "converter"
                           / "testdata" / "output_hashes.json").read_text())
    for name, input_path, flags in json.loads((workdir / "conversions.json").read_text()):
        if names and name not in names:
            continue
        SIDE.clear()
        for key in STATS:
            STATS[key] = 0
        out = workdir / f"standin_out_{threshold}{'_c' if collapse else ''}" / name
        status, message = cli.run_command([*flags, input_path, str(out)])
        if status:
            print(json.dumps({"name": name, "error": message}))
            continue
        hashes = {f: hashlib.sha256((out / f).read_bytes()).hexdigest()
                  for f in sorted(os.listdir(out))}
        same = {f: hashes.get(f) == h for f, h in expected[name].items()}
        print(json.dumps({"name": name, "same": same, "stats": dict(STATS)}))


if __name__ == "__main__":
    main()
