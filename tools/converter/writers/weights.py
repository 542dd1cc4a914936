"""Weights as TF.js reads them: constants pulled out of the graph, encoded, quantised, sharded."""

import dataclasses
import fnmatch
import os
from typing import Callable, Dict, Iterator, List, Mapping, Sequence, Tuple

import numpy as np
from tensorflow.python.framework import tensor_util

from tools.converter import graph_view
from tools.converter.readers import input_files
from tools.converter.errors import ConversionError

# Tensor value fields of a Const node; their content moves to the shards.
_VALUE_FIELDS = (
    "tensor_content", "half_val", "float_val", "double_val", "int_val", "string_val",
    "scomplex_val", "int64_val", "bool_val", "resource_handle_val", "variant_val",
    "uint32_val", "uint64_val", "dcomplex_val")
_INT32 = np.iinfo(np.int32)
# Large weights are converted and encoded this many items at a time (16 MB of float32).
_CHUNK_ITEMS = 1 << 22
# How each TF.js dtype, and each quantisation dtype, is stored in the shards (little-endian).
_STORED = {"float32": "<f4", "int32": "<i4", "bool": "?", "complex64": "<c8",
           "float16": "<f2", "uint8": "u1", "uint16": "<u2"}


@dataclasses.dataclass(frozen=True)
class Weight:
    """A named array as it will be stored: already in a dtype TF.js knows."""

    name: str
    value: np.ndarray
    dtype: str  # float32, int32, bool, string or complex64

    @property
    def shape(self) -> Tuple[int, ...]:
        """The value's shape."""
        return tuple(self.value.shape)

    def loaded(self) -> "Weight":
        """This weight (its value is in memory already)."""
        return self


@dataclasses.dataclass(frozen=True)
class LazyWeight:
    """A weight whose value is produced only when it is written (a stand-in's, see
    tools/converter/weight_refs.py): ``load()`` returns the value before to_tfjs_dtype."""

    name: str
    shape: Tuple[int, ...]
    dtype: str  # float32, int32, bool or complex64 (strings are never deferred)
    load: Callable[[], np.ndarray]

    @classmethod
    def of(cls, name: str, numpy_dtype, shape, load: Callable[[], np.ndarray]) -> "LazyWeight":
        """A LazyWeight for a value of ``numpy_dtype`` and ``shape`` that ``load`` produces."""
        return cls(name, tuple(int(d) for d in shape), tfjs_dtype_of(np.dtype(numpy_dtype)),
                   load)

    def loaded(self) -> Weight:
        """The weight with its value, read now (and checked as to_tfjs_dtype checks it)."""
        weight = to_tfjs_dtype(self.name, np.asarray(self.load()))
        if weight.dtype != self.dtype or weight.shape != self.shape:
            raise AssertionError(f"{self.name}: {weight.dtype} {weight.shape} read, "
                                 f"{self.dtype} {self.shape} planned")
        return weight


def tfjs_dtype_of(dtype: np.dtype) -> str:
    """The dtype TF.js stores values of numpy ``dtype`` in (see to_tfjs_dtype)."""
    if dtype == np.bool_:
        return "bool"
    if dtype.kind in "OSU":
        return "string"
    if dtype.kind == "c":
        return "complex64"
    if dtype.kind in "iu":
        return "int32"
    return "float32"


def _rename_in_function(function, renames):
    def rename(tensor):
        control = graph_view.is_control(tensor)
        node, sep, rest = tensor.lstrip("^").partition(":")
        node = renames.get(node, node)
        return ("^" if control else "") + node + sep + rest

    for node in function.node_def:
        node.name = renames.get(node.name, node.name)
        node.input[:] = [rename(i) for i in node.input]
    for key in list(function.ret):
        function.ret[key] = rename(function.ret[key])


def extract_constants(graph_def) -> List[Tuple[str, np.ndarray]]:
    """Moves every Const value out of ``graph_def`` (in place); returns (name, value) pairs.

    TF.js looks constants up by node name in one map shared by the graph and its functions,
    so a function's constants are renamed ``<function>/<node>`` to keep names unique.
    """
    constants = []
    for node in graph_def.node:
        if node.op == "Const":
            constants.append(node)
    for function in graph_def.library.function:
        prefix = function.signature.name + "/"
        renames = {n.name: prefix + n.name for n in function.node_def if n.op == "Const"}
        _rename_in_function(function, renames)
        constants.extend(n for n in function.node_def if n.op == "Const")
    extracted = []
    for node in constants:
        tensor = node.attr["value"].tensor
        extracted.append((node.name, tensor_util.MakeNdarray(tensor)))
        for field in _VALUE_FIELDS:
            tensor.ClearField(field)
    return extracted


def _chunks(value: np.ndarray, dtype=None):
    """``value`` flattened, in pieces of at most _CHUNK_ITEMS items: views, or each piece cast
    to ``dtype`` when given (a no-op for values of that dtype)."""
    flat = value.reshape(-1)
    for start in range(0, flat.size, _CHUNK_ITEMS):
        piece = flat[start:start + _CHUNK_ITEMS]
        yield piece if dtype is None else piece.astype(dtype, copy=False)


def to_tfjs_dtype(name: str, value: np.ndarray) -> Weight:
    """``value`` as a weight of the dtype TF.js stores it in (int64 -> int32, float64 ->
    float32...); integers are checked to fit int32, chunk by chunk. The value keeps its own dtype
    and is cast a chunk at a time when encoded, so a large int64 or float64 weight is never held
    twice."""
    dtype = tfjs_dtype_of(value.dtype)
    if value.dtype.kind not in "biufcOSU" and value.dtype.name != "bfloat16":
        raise ConversionError(
            f"constant {name!r} has dtype {value.dtype}, which TF.js cannot store")
    if dtype == "int32" and value.dtype.itemsize > 4 or value.dtype == np.uint32:
        for chunk in _chunks(value):
            low, high = chunk.min(), chunk.max()
            if low < _INT32.min or high > _INT32.max:
                bad = low if low < _INT32.min else high
                raise ConversionError(
                    f"constant {name!r} ({value.dtype}) holds {bad}, which does not fit the "
                    "int32 TF.js stores integers in")
    return Weight(name, value, dtype)


def _string_items(value: np.ndarray):
    for item in value.reshape(-1):
        yield item if isinstance(item, bytes) else str(item).encode("utf-8")


def _string_bytes(value: np.ndarray) -> bytes:
    parts = []
    for data in _string_items(value):
        parts.append(np.uint32(len(data)).astype("<u4").tobytes())
        parts.append(data)
    return b"".join(parts)


def _affine_quantize(name: str, value: np.ndarray, dtype: np.dtype):
    """Quantises to ``dtype`` with value = min + scale * q, the range nudged so 0 is exact.

    TF.js dequantises with ``q * scale + min`` in float64, stored as float32
    (io_utils decodeWeight); ``min`` is ``-zero_point * scale`` computed in float64 too, so
    ``zero_point * scale + min`` is exactly 0. Every value is within ``scale / 2`` of its
    dequantised one before the float32 rounding.
    """
    low = high = 0.0
    for chunk in _chunks(value, np.float32):
        finite = np.isfinite(chunk)
        if not finite.all():
            raise ConversionError(
                f"weight {name!r} holds {chunk[~finite][0]}, which --quantize_{dtype.name} cannot "
                f"store (it needs finite values); leave the weight out of the "
                f"--quantize_{dtype.name} globs")
        if chunk.size:
            low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
    q_max = np.iinfo(dtype).max
    scale = (high - low) / q_max if high > low else 1.0
    zero_point = round(-low / scale)
    nudged_min = -zero_point * scale

    def pieces():
        for chunk in _chunks(value, np.float32):
            quantized = np.clip(np.round((chunk.astype(np.float64) - nudged_min) / scale), 0, q_max)
            yield quantized.astype(dtype.newbyteorder("<")).view(np.uint8)
    return pieces(), {"min": nudged_min, "scale": scale}


def quantization_of(name: str, quantize: Mapping[str, Sequence[str]]):
    """Returns the quantisation dtype whose globs match ``name`` (None if none does)."""
    kinds = [kind for kind, globs in sorted(quantize.items())
             if any(fnmatch.fnmatchcase(name, glob) for glob in globs)]
    if len(kinds) > 1:
        raise ConversionError(
            f"weight {name!r} is claimed by " + " and ".join(f"--quantize_{k}" for k in kinds))
    return kinds[0] if kinds else None


def _float16_chunks(name: str, value: np.ndarray):
    for chunk in _chunks(value, np.float32):
        with np.errstate(over="ignore"):
            half = chunk.astype("<f2")
        overflow = np.isinf(half) & np.isfinite(chunk)
        if overflow.any():
            raise ConversionError(
                f"weight {name!r} holds {chunk[overflow][0]}, beyond float16's range (+-65504); "
                "leave the weight out of the --quantize_float16 globs")
        yield half.view(np.uint8)


def encode(weight: Weight, quantization=None) -> Tuple[Dict, Iterator]:
    """Returns the weight's manifest entry and its little-endian bytes, as an iterator of
    bytes-like pieces encoded as they are asked for (one chunk of a large weight in memory at a
    time, besides the weight itself)."""
    entry = {"name": weight.name, "shape": list(weight.value.shape), "dtype": weight.dtype}
    if weight.dtype == "string":
        return entry, iter([_string_bytes(weight.value)])
    if weight.dtype == "float32" and quantization == "float16":
        entry["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
        return entry, _float16_chunks(weight.name, weight.value)
    if weight.dtype == "float32" and quantization in ("uint8", "uint16"):
        pieces, params = _affine_quantize(weight.name, weight.value, np.dtype(quantization))
        entry["quantization"] = {"dtype": quantization, **params, "original_dtype": "float32"}
        return entry, pieces
    stored = np.dtype(_STORED[weight.dtype])
    return entry, (np.ascontiguousarray(chunk, stored).view(np.uint8)
                   for chunk in _chunks(weight.value))


def encoded_size(weight: Weight, quantization=None) -> int:
    """The number of bytes ``encode(weight, quantization)`` returns, without encoding it."""
    if weight.dtype == "string":
        return sum(4 + len(data) for data in _string_items(weight.value))
    stored = quantization if weight.dtype == "float32" and quantization else weight.dtype
    return int(np.prod(weight.shape, dtype=np.int64)) * np.dtype(_STORED[stored]).itemsize


def check_globs_match(weights: Sequence[Weight], quantize):
    """Raises ConversionError for a quantisation glob that matches no weight (likely a typo:
    globs match whole names, which look like the example the message gives)."""
    for kind, globs in sorted(quantize.items()):
        for glob in globs:
            if not any(fnmatch.fnmatchcase(w.name, glob) for w in weights):
                example = next((w.name for w in weights if w.dtype == "float32"), None)
                hint = f"; weight names look like {example!r}" if example else ""
                raise ConversionError(
                    f"--quantize_{kind} glob {glob!r} matches no weight{hint}")


def layer_of(name: str) -> str:
    """The layer a weight belongs to in a graph model: its node's name scope."""
    return name.rpartition("/")[0] or name


def _decode(entry, data: bytes, offset: int):
    """The array an encoded weight's bytes at ``offset`` hold, dequantised as TF.js does, and the
    offset after them; None when ``data`` ends before the weight does."""
    shape = entry["shape"]
    count = int(np.prod(shape))
    quantization = entry.get("quantization")
    if entry["dtype"] == "string":
        values = []
        for _ in range(count):
            if offset + 4 > len(data):
                return None
            length = int(np.frombuffer(data, "<u4", 1, offset)[0])
            if offset + 4 + length > len(data):
                return None
            values.append(data[offset + 4:offset + 4 + length])
            offset += 4 + length
        return np.array(values, dtype=object).reshape(shape), offset
    stored = np.dtype(_STORED[quantization["dtype"] if quantization else entry["dtype"]])
    end = offset + count * stored.itemsize
    if end > len(data):
        return None
    raw = np.frombuffer(data, stored, count, offset)
    if not quantization:
        value = raw.copy()
    elif quantization["dtype"] == "float16":
        value = raw.astype(np.float32)
    else:
        value = (raw * quantization["scale"] + quantization["min"]).astype(np.float32)
    return value.reshape(shape), end


def _read_weight_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError as e:
        raise input_files.missing(path, "a weight file of the model's manifest") from e
    except OSError as e:
        raise ConversionError(f"cannot read {path}: {e.strerror}") from e


def read_manifest(weights_manifest, directory):
    """{name: array} for a weights manifest whose shard files are in ``directory``."""
    values = {}
    for group in weights_manifest:
        paths = [os.path.join(directory, path) for path in group["paths"]]
        # TF.js reads a group's files as one run of bytes: which one is short cannot be told.
        data = b"".join(_read_weight_file(path) for path in paths)
        offset = 0
        for entry in group["weights"]:
            decoded = _decode(entry, data, offset)
            if decoded is None:
                raise input_files.damaged(
                    " + ".join(paths), f"its {len(data)} bytes end inside weight "
                    f"{entry['name']!r}, which starts at byte {offset}")
            values[entry["name"]], offset = decoded
    return values
