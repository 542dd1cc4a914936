"""A model's test inputs: given as .npy or .json files, or drawn from a seed.

Drawn inputs follow each input's dtype and shape: floats from a standard normal distribution,
integers from [0, 4) (small enough to index any embedding or take as a loop count), booleans
at random. An unknown first dimension (the batch) becomes 1; any other unknown dimension must
be given.
"""

import json
import os
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from tools.converter.errors import ConversionError

# {name: (numpy dtype, shape with None for unknown dimensions)}
Specs = Mapping[str, Tuple[np.dtype, Sequence]]


def read(path: str) -> np.ndarray:
    """The array in a .npy file, or in a .json file (nested lists, or {dtype, shape, values})."""
    try:
        if path.endswith(".npy"):
            return np.load(path, allow_pickle=False)
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as e:
        raise ConversionError(f"cannot read input file {path}: {e}") from e
    if isinstance(document, dict):
        return np.asarray(document["values"], dtype=document["dtype"]).reshape(document["shape"])
    return np.asarray(document)


def _drawn(rng, name, dtype, shape):
    dims = []
    for i, dim in enumerate(shape):
        if dim is None and i == 0:
            dim = 1
        elif dim is None:
            raise ConversionError(
                f"input {name!r} has an unknown dimension {i} (shape "
                f"{[-1 if d is None else d for d in shape]}); give its value in `inputs`")
        dims.append(dim)
    if dtype.kind == "f":
        return rng.standard_normal(dims).astype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 4, dims).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, dims).astype(bool)
    raise ConversionError(f"input {name!r} is of dtype {dtype.name}, which cannot be drawn at "
                          "random; give its value in `inputs`")


def _check(name, value, dtype, shape):
    fits = len(value.shape) == len(shape) and all(
        want is None or want == got for want, got in zip(shape, value.shape))
    if not fits:
        raise ConversionError(f"input {name!r} has shape {list(value.shape)}; the model takes "
                              f"{[-1 if d is None else d for d in shape]}")
    if dtype.kind == "O" and value.dtype.kind in "OSU":  # strings: TensorFlow takes bytes
        return np.vectorize(lambda v: v if isinstance(v, bytes) else str(v).encode(),
                            otypes=[object])(value)
    if value.dtype.kind != dtype.kind:
        raise ConversionError(f"input {name!r} is {value.dtype.name}; the model takes {dtype.name}")
    return value.astype(dtype)


def assemble(specs: Specs, given: Mapping[str, str], seed: int) -> Dict[str, np.ndarray]:
    """Every input of ``specs``: read from ``given`` ({name: file}), else drawn with ``seed``."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ConversionError(f"{', '.join(map(repr, unknown))} is not an input of the model; "
                              f"its inputs: {', '.join(sorted(specs))}")
    rng = np.random.default_rng(seed)
    values = {}
    for name in sorted(specs):  # drawn in name order: the same seed gives the same values
        dtype, shape = specs[name]
        if name in given:
            values[name] = _check(name, read(given[name]), dtype, shape)
        else:
            values[name] = _drawn(rng, name, dtype, shape)
    return values


def parse_given(entries: Sequence[str]) -> Dict[str, str]:
    """``name=path`` flag values as {name: path}."""
    given = {}
    for entry in entries:
        name, sep, path = entry.partition("=")
        if not sep or not name or not path or not os.path.basename(path):
            raise ConversionError(f"--input {entry!r} is not NAME=PATH")
        given[name] = path
    return given
