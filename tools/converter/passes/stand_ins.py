"""What grappler would have done to a weight, done to its stand-in (see weight_refs).

Grappler sees a stand-in as a Placeholder, so what its constant folding does to a Const has to be
done around it here: Identity(weight) becomes the weight under the Identity's name
(collapse_identities), a weight feeding something constant folding computes goes back into the
graph as a Const (materialise_foldable), control edges from weights go
(drop_control_edges), and Mul(Conv2D(x, W), C) becomes Conv2D(x, W * C) with W * C computed only
when written (push_muls_into_convs, constfold's MulConvPushDown). freezer.run_grappler calls them.
"""

from tensorflow.python.framework import tensor_util

from tools.converter import graph_edit, graph_view, weight_refs

_NOT_FOLDABLE = ("Placeholder", "PlaceholderWithDefault", "NoOp", "While", "StatelessWhile",
                 "If", "StatelessIf", "Case", "StatelessCase", "VarHandleOp", "HashTableV2",
                 "MutableHashTableV2", "RandomUniform", "RandomStandardNormal")


def _keep_only(graph_def, keep_node):
    kept = [n for n in graph_def.node if keep_node(n)]
    del graph_def.node[:]
    graph_def.node.extend(kept)


def _drop_unread_stand_ins(graph_def, table, keep):
    readers = {graph_view.node_name(t) for n in graph_def.node for t in n.input}
    _keep_only(graph_def, lambda n: not (table.is_stand_in(n) and n.name not in readers
                                         and n.name not in keep))


def replace_large_consts(graph_def, table: weight_refs.WeightRefs):
    """The Consts of ``graph_def`` (not of its functions) large enough for ``table`` become
    stand-ins, in place."""
    for i, node in enumerate(graph_def.node):
        if node.op == "Const":
            value = tensor_util.MakeNdarray(node.attr["value"].tensor)
            if table.is_large(value):
                graph_def.node[i].CopyFrom(table.stand_in_for(node.name, value))


def collapse_identities(graph_def, fetch, table: weight_refs.WeightRefs):
    """What constfold does to Identity(Const): the Identity becomes the stand-in's value under its
    own name; the stand-in goes when nothing else reads it."""
    keep = {graph_view.node_name(t) for t in fetch}
    changed = True
    while changed:
        changed = False
        nodes = {n.name: n for n in graph_def.node}
        for i, node in enumerate(graph_def.node):
            if node.op != "Identity" or node.name in keep:
                continue
            data = [t for t in node.input if not t.startswith("^")]
            if len(data) != 1 or len(data) != len(node.input):
                continue
            source = nodes.get(graph_view.node_name(data[0]))
            if table.is_stand_in(source) and graph_view.output_index(data[0]) == 0:
                graph_def.node[i].CopyFrom(table.alias(node.name, source))
                changed = True
        if changed:
            _drop_unread_stand_ins(graph_def, table, keep)


def materialise_foldable(graph_def, table: weight_refs.WeightRefs):
    """A stand-in read by a node constant folding would compute (its data inputs all constant,
    transitively) becomes a Const again: batch-norm statistics, shapes... Returns how many."""
    nodes = {n.name: n for n in graph_def.node}
    constant = {}

    def is_constant(name):
        if name in constant:
            return constant[name]
        node = nodes.get(name)
        constant[name] = False  # cycles (loops) are not constant
        if node is None:
            return False
        if node.op == "Const" or table.is_stand_in(node):
            constant[name] = True
            return True
        data = [t for t in node.input if not t.startswith("^")]
        constant[name] = bool(data) and node.op not in _NOT_FOLDABLE and all(
            is_constant(graph_view.node_name(t)) for t in data)
        return constant[name]

    count = 0
    for node in list(graph_def.node):
        if node.op == "Const" or table.is_stand_in(node) or not is_constant(node.name):
            continue
        for tensor in node.input:
            source = nodes.get(graph_view.node_name(tensor))
            if table.is_stand_in(source):
                source.CopyFrom(graph_edit.plain_const(source.name, table.pop(source.name)))
                count += 1
    return count


def drop_control_edges(graph_def, fetch, table: weight_refs.WeightRefs):
    """Grappler drops control edges from constants (a Const without inputs is always ready);
    the stand-ins nothing reads any more go too."""
    keep = {graph_view.node_name(t) for t in fetch}
    stand_ins = {n.name for n in graph_def.node if table.is_stand_in(n)}
    for node in graph_def.node:
        inputs = [t for t in node.input if not (t.startswith("^") and t[1:] in stand_ins)]
        if len(inputs) != len(node.input):
            del node.input[:]
            node.input.extend(inputs)
    _drop_unread_stand_ins(graph_def, table, keep)


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


def _is_constant(node, table):
    return node is not None and (node.op == "Const" or table.is_stand_in(node))


def _deferred_product(filter_ref, scale, scale_first):
    def product():
        weights = filter_ref()
        value = (scale * weights) if scale_first else (weights * scale)
        return value.astype(weights.dtype)
    return product


def push_muls_into_convs(graph_def, fetch, table: weight_refs.WeightRefs):
    """constfold's MulConvPushDown, for a Conv2D whose filter is a stand-in:
    Mul(Conv2D(x, W), C) -> Conv2D(x, merged_input) named as the Mul, where
    ``<conv>/merged_input`` stands in for W * C (float32, as TensorFlow's Mul kernel), computed
    when written. The filter's stand-in is left to the next pruning."""
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
        const_index = 0 if _is_constant(left, table) else 1 if _is_constant(right, table) else None
        if const_index is None:
            continue
        const, conv = (left, right) if const_index == 0 else (right, left)
        if (conv is None or conv.op != "Conv2D" or conv.name in keep
                or ":" in mul.input[1 - const_index]):
            continue
        if len(readers.get(conv.name, [])) != 1 or conv.attr["data_format"].s != b"NHWC":
            continue
        filter_node = nodes.get(graph_view.node_name(conv.input[1]))
        input_node = nodes.get(graph_view.node_name(conv.input[0]))
        if not table.is_stand_in(filter_node) or _is_constant(input_node, table):
            continue
        filter_shape = weight_refs.stand_in_shape(filter_node)
        scale = graph_edit.const_value(const)
        if not _valid_pushdown_shape(filter_shape, list(scale.shape)):
            continue
        merged_name = f"{conv.name}/merged_input"
        if merged_name in nodes:
            continue
        product = _deferred_product(table.ref(filter_node.name), scale, const_index == 0)
        merged = table.stand_in(merged_name, weight_refs.stand_in_dtype(filter_node),
                                filter_shape, product)
        conv.name = mul.name
        conv.input[1] = merged_name
        mul.op = "_PushedDown"  # marks the Mul for removal (it shares its name with the conv)
        graph_def.node.append(merged)
        nodes = {n.name: n for n in graph_def.node if n.op != "_PushedDown"}
    _keep_only(graph_def, lambda n: n.op != "_PushedDown")
