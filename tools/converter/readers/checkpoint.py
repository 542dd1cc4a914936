"""A SavedModel's variables checkpoint (variables/variables.index and its .data-* shards), read
with TensorFlow's checkpoint reader; missing and damaged files are reported as such."""

import collections.abc
import glob
import math
import os
import re

from tensorflow.python.framework import errors
from tensorflow.python.training import py_checkpoint_reader

from tools.converter.readers import input_files
from tools.converter.errors import one_line

_SHARD = re.compile(r"\.data-(\d{5})-of-(\d{5})$")
# The reader turns TensorFlow's error codes into these (OUT_OF_RANGE into IndexError and
# INVALID_ARGUMENT into ValueError); all of them mean the files cannot deliver a value.
_READ_ERRORS = (errors.OpError, IndexError, ValueError)


class Checkpoint:
    """The variable values saved with the SavedModel at ``saved_model_dir``.

    The index is read when this is made; data shards are only read for the values asked for
    (TensorFlow checks each value's checksum then), but they must all be there.
    """

    def __init__(self, saved_model_dir):
        self.directory = os.path.join(saved_model_dir, "variables")
        self._prefix = os.path.join(self.directory, "variables")
        index = self._prefix + ".index"
        if not os.path.isfile(index):
            raise input_files.missing(index, "the index of the SavedModel's variables")
        self._data = self._data_files()
        try:
            self._reader = py_checkpoint_reader.NewCheckpointReader(self._prefix)
        except _READ_ERRORS as e:
            raise input_files.damaged(index, one_line(e)) from e

    def _data_files(self):
        """The name to give the data shards in messages; raises ``missing`` for absent ones."""
        found = set(glob.glob(glob.escape(self._prefix) + ".data-*-of-*"))
        counts = {int(m.group(2)) for m in map(_SHARD.search, found) if m}
        if not counts:
            # Without any shard the number of shards is unknown (only the index's header says).
            raise input_files.missing(self._prefix + ".data-*",
                                      "the data files of the SavedModel's variables")
        count = max(counts)
        shards = [f"{self._prefix}.data-{i:05d}-of-{count:05d}" for i in range(count)]
        for shard in shards:
            if shard not in found:
                raise input_files.missing(shard, "a data file of the SavedModel's variables")
        return shards[0] if count == 1 else f"{self._prefix}.data-*-of-{count:05d}"

    def has(self, key: str) -> bool:
        """Whether the checkpoint holds a value under ``key``."""
        return self._reader.has_tensor(key)

    def get(self, key: str):
        """The value under ``key`` (a numpy array, or bytes for a string scalar)."""
        try:
            return self._reader.get_tensor(key)
        except _READ_ERRORS as e:
            raise input_files.damaged(self._data, one_line(e)) from e

    def nbytes(self, key: str) -> int:
        """The bytes of the value under ``key``, from the index (nothing is read)."""
        shape = self._reader.get_variable_to_shape_map()[key]
        dtype = self._reader.get_variable_to_dtype_map()[key]
        return math.prod(shape) * (dtype.size if dtype.is_numpy_compatible else 0)

    def verify(self):
        """Reads every value, so that damage shows here rather than in whoever reads it next."""
        for key in sorted(self._reader.get_variable_to_dtype_map()):
            self.get(key)


class CheckpointValues(collections.abc.Mapping):
    """{variable node name: value}, each value read from the checkpoint when asked for (and not
    kept), or given (``literals``: e.g. an asset's path)."""

    def __init__(self, checkpoint: Checkpoint, keys, literals):
        self._checkpoint, self._keys, self._literals = checkpoint, dict(keys), dict(literals)

    def __getitem__(self, name):
        if name in self._literals:
            return self._literals[name]
        return self._checkpoint.get(self._keys[name])

    def __iter__(self):
        return iter(sorted({**self._keys, **self._literals}))

    def __len__(self):
        return len({**self._keys, **self._literals})

    def nbytes(self) -> int:
        """The bytes of the checkpoint's values, from its index (nothing is read)."""
        return sum(self._checkpoint.nbytes(key) for key in self._keys.values())
