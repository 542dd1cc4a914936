"""The weight files, written as the weights come: one encoded weight in memory at a time.

Each group's bytes are cut into ``group<g>-shard<i>of<n>.bin`` files of the shard size (a weight
may span files; TF.js reads a group's files as one run of bytes). The sizes are known before
anything is encoded (weights.encoded_size), which gives ``n`` up front.
"""

from typing import Sequence

from tools.converter.writers import progress, weights
from tools.converter.writers.output_dir import Staging


class _GroupFiles:
    """One group's shard files in ``staging``, filled in order."""

    def __init__(self, staging: Staging, group: int, total: int, shard_size: int):
        count = max(1, -(-total // shard_size))
        self.names = [f"group{group}-shard{i + 1}of{count}.bin" for i in range(count)]
        self._staging, self._shard_size = staging, shard_size
        self._opened, self._room = 0, 0
        self._file = None
        self._next_file()

    def _next_file(self):
        if self._file is not None:
            self._file.close()
        self._file = self._staging.create(self.names[self._opened])
        self._opened += 1
        self._room = self._shard_size

    def write(self, data):
        """Appends ``data`` (bytes-like, one byte per item), starting new files as each fills
        up."""
        view = memoryview(data)
        while len(view):
            if not self._room:
                self._next_file()
            piece = view[:self._room]
            self._file.write(piece)
            self._room -= len(piece)
            view = view[len(piece):]

    def close(self):
        """Closes the last file; checks that every planned file was written."""
        self._file.close()
        if self._opened != len(self.names):
            raise AssertionError(f"wrote {self._opened} of the {len(self.names)} shard files")


def write_weights(staging: Staging, stored: Sequence[weights.Weight], quantize, shard_size: int,
                  split_by_layer: bool, progress_min_bytes: int):
    """Writes ``stored`` (Weights, or LazyWeights read one at a time as they are written) into
    shard files in ``staging``: one group, or with ``split_by_layer``
    one group per layer (name scope), each sharded on its own; progress on stderr from
    ``progress_min_bytes`` on (see progress.Progress). Returns (weightsManifest, file names)."""
    weights.check_globs_match(stored, quantize)
    groups = {}
    for weight in stored:
        quantization = weights.quantization_of(weight.name, quantize)
        groups.setdefault(weights.layer_of(weight.name) if split_by_layer else "", []).append(
            (weight, quantization, weights.encoded_size(weight, quantization)))
    shown = progress.Progress(sum(size for members in groups.values() for *_, size in members),
                              progress_min_bytes)
    manifest, names = [], []
    for number, members in enumerate(groups.values(), start=1):
        files = _GroupFiles(staging, number, sum(size for *_, size in members), shard_size)
        entries = []
        for weight, quantization, size in members:
            entry, pieces = weights.encode(weight.loaded(), quantization)
            written = 0
            for piece in pieces:
                files.write(piece)
                shown.add(len(piece))
                written += len(piece)
            if written != size:
                raise AssertionError(f"{weight.name}: {written} bytes encoded, {size} planned")
            entries.append(entry)
        files.close()
        manifest.append({"paths": files.names, "weights": entries})
        names += files.names
    return manifest, names
