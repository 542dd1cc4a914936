"""Weights kept out of the GraphDef: stand-in nodes and the table of what they stand for.

A weight of at least ``threshold`` bytes does not go into the graph as a Const (the pipeline sets
the threshold to 1 byte when the model's weights total --stream_weights_min_bytes or more, and
leaves it infinite otherwise): a stand-in takes its place, a Placeholder with the same name,
dtype and shape, and the conversion's ``WeightRefs`` maps that name to a reference: a function
that produces the value when asked (a variable's value, a product computed only when written...). The passes read values
through ``graph_edit.const_value``, which asks the active table for stand-ins, and a value they
make (``graph_edit.make_const``) of ``threshold`` bytes or more becomes a stand-in too. The writer
reads the values one at a time (``weights.LazyWeight``).

Strings and uniform tensors (every element the same) stay Consts whatever their size: grappler
simplifies on their values (x + 0, x * 1) and a TensorProto stores them as one value.
"""

import contextlib
from typing import Callable, Dict, Optional

import numpy as np
from tensorflow.core.framework import node_def_pb2, types_pb2
from tensorflow.python.framework import dtypes

_ACTIVE = [None]


def counted_bytes(value) -> int:
    """The bytes of ``value`` that count for the threshold: 0 for strings, empty and uniform
    tensors, which always stay Consts."""
    value = np.asarray(value)
    if value.dtype.kind in "OSU" or value.size == 0:
        return 0
    flat = value.reshape(-1)
    if (flat == flat[0]).all():
        return 0
    return value.nbytes


class WeightRefs:
    """Stand-in node name -> a function producing its value; weights of ``threshold`` bytes or
    more are kept here instead of in the graph."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self._refs: Dict[str, Callable[[], np.ndarray]] = {}

    def __len__(self):
        return len(self._refs)

    def is_large(self, value) -> bool:
        """Whether ``value`` is kept out of the graph (see counted_bytes)."""
        return counted_bytes(value) >= self.threshold

    def is_stand_in(self, node) -> bool:
        """Whether ``node`` is a stand-in of this table."""
        return node is not None and node.op == "Placeholder" and node.name in self._refs

    def stand_in(self, name: str, dtype, shape, ref: Callable[[], np.ndarray]):
        """Records ``ref`` under ``name``; returns the stand-in NodeDef (``dtype``: a DataType
        enum or numpy dtype)."""
        node = node_def_pb2.NodeDef(name=name, op="Placeholder")
        node.attr["dtype"].type = dtypes.as_dtype(dtype).as_datatype_enum
        for dim in shape:
            node.attr["shape"].shape.dim.add(size=int(dim))
        self._refs[name] = ref
        return node

    def stand_in_for(self, name: str, value):
        """A stand-in holding ``value`` itself (a value a pass computed)."""
        value = np.asarray(value)
        return self.stand_in(name, value.dtype, value.shape, lambda: value)

    def alias(self, name: str, node):
        """A stand-in named ``name`` for the same value as stand-in ``node``."""
        return self.stand_in(name, node.attr["dtype"].type, stand_in_shape(node),
                             self._refs[node.name])

    def value(self, name: str) -> np.ndarray:
        """The value of stand-in ``name``, produced now (not kept)."""
        return self._refs[name]()

    def ref(self, name: str) -> Callable[[], np.ndarray]:
        """The function producing the value of stand-in ``name``."""
        return self._refs[name]

    def pop(self, name: str) -> np.ndarray:
        """The value of stand-in ``name``, which leaves the table (it becomes a Const)."""
        return self._refs.pop(name)()


def active() -> Optional[WeightRefs]:
    """The table of the conversion running now, or None."""
    return _ACTIVE[0]


@contextlib.contextmanager
def using(table: Optional[WeightRefs]):
    """Makes ``table`` the active one for the duration."""
    previous, _ACTIVE[0] = _ACTIVE[0], table
    try:
        yield table
    finally:
        _ACTIVE[0] = previous


def stand_in_dtype(node):
    """The numpy dtype of a stand-in node."""
    return dtypes.as_dtype(node.attr["dtype"].type or types_pb2.DT_FLOAT).as_numpy_dtype


def stand_in_shape(node):
    """The shape of a stand-in node, as a list."""
    return [d.size for d in node.attr["shape"].shape.dim]


def extract_stand_ins(graph_def, table: WeightRefs):
    """Turns the stand-ins of ``graph_def`` into Consts without a value (as
    weights.extract_constants leaves Consts), in place; returns (name, numpy dtype, shape,
    function producing the value) for each."""
    extracted = []
    for node in graph_def.node:
        if not table.is_stand_in(node):
            continue
        dtype, shape = node.attr["dtype"].type, stand_in_shape(node)
        extracted.append((node.name, stand_in_dtype(node), shape, table.ref(node.name)))
        node.op = "Const"
        node.attr.pop("shape", None)
        tensor = node.attr["value"].tensor
        tensor.dtype = dtype
        for dim in shape:
            tensor.tensor_shape.dim.add(size=dim)
    return extracted
