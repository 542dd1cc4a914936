"""PROTOTYPE (issue 14): the weight writer, streaming: one weight in memory at a time.

The manifest's layout is known before any value is read: a weight's stored size is its element
count times the stored dtype's size (the quantisation dtype's when quantised), so each group's
total, hence its shard count (in the file names), comes first; then each weight is fetched,
converted, quantised and written, and the shard files roll over at ``shard_size`` bytes. A weight
spans shards just as in ``weights.shard`` (TF.js reads a group as one run of bytes).
Strings are read twice (size, then bytes): they are small and stay Consts in the design.

    PYTHONPATH=. python bench/issue14/stream_writer.py SRC_DIR NAME...

converts NAME (of SRC_DIR/conversions.json) capturing the weights the writer gets, writes them with
both writers and compares the files and manifests.
"""

import json
import os
import pathlib
import sys
import tempfile

from tools.converter import tf_import
tf_import.import_tensorflow()

import numpy as np  # noqa: E402

from tools.converter import cli, pipeline  # noqa: E402
from tools.converter.writers import weights  # noqa: E402

_STORED_SIZE = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8,
                "float16": 2, "uint8": 1, "uint16": 2}


class ShardWriter:
    """Writes one group's bytes into ``group<g>-shard<i>of<n>.bin`` files of ``shard_size``."""

    def __init__(self, directory, group, total, shard_size):
        self.directory, self.group, self.shard_size = directory, group, shard_size
        self.count = max(1, -(-total // shard_size))
        self.paths = [f"group{group}-shard{i + 1}of{self.count}.bin" for i in range(self.count)]
        self.index, self.used, self.file = 0, 0, open(os.path.join(directory, self.paths[0]), "wb")

    def write(self, data):
        view = memoryview(data)
        while len(view):
            if self.used == self.shard_size:
                self.file.close()
                self.index += 1
                self.used = 0
                self.file = open(os.path.join(self.directory, self.paths[self.index]), "wb")
            n = min(len(view), self.shard_size - self.used)
            self.file.write(view[:n])
            self.used += n
            view = view[n:]

    def close(self):
        self.file.close()
        assert self.index == self.count - 1, (self.index, self.count)


def stored_size(spec, quantize, fetch):
    name, dtype, shape = spec
    if dtype == "string":  # small (never streamed): its size needs its value
        return len(weights.encode(fetch(name))[1])
    kind = weights.quantization_of(name, quantize) if dtype == "float32" else None
    return int(np.prod(shape, dtype=np.int64)) * _STORED_SIZE[kind or dtype]


def write_streaming(specs, fetch, quantize, shard_size, split_by_layer, directory):
    """specs: sorted (name, tfjs dtype, shape); fetch(name) -> weights.Weight. Returns the
    manifest; the files are in ``directory``."""
    groups = {}
    for spec in specs:
        groups.setdefault(weights.layer_of(spec[0]) if split_by_layer else "", []).append(spec)
    manifest = []
    for number, members in enumerate(groups.values(), start=1):
        writer = ShardWriter(directory, number, sum(stored_size(s, quantize, fetch) for s in members),
                             shard_size)
        entries = []
        for spec in members:
            weight = fetch(spec[0])  # the only weight in memory
            entry, data = weights.encode(weight, weights.quantization_of(weight.name, quantize))
            assert len(data) == stored_size(spec, quantize, fetch)
            writer.write(data)
            entries.append(entry)
            del weight, data
        writer.close()
        manifest.append({"paths": writer.paths, "weights": entries})
    return manifest


CAPTURED = []


def main():
    workdir, names = pathlib.Path(sys.argv[1]), set(sys.argv[2:])
    real_build = weights.build_manifest

    def build_manifest(stored, quantize, shard_size, split_by_layer=False):
        CAPTURED.append((list(stored), quantize, shard_size, split_by_layer))
        return real_build(stored, quantize, shard_size, split_by_layer)
    weights.build_manifest = build_manifest
    for name, input_path, flags in json.loads((workdir / "conversions.json").read_text()):
        if name not in names:
            continue
        CAPTURED.clear()
        with tempfile.TemporaryDirectory() as tmp:
            status, message = cli.run_command([*flags, input_path, os.path.join(tmp, "out")])
            assert status == 0, message
            stored, quantize, shard_size, split = CAPTURED[0]
            manifest, files = real_build(stored, quantize, shard_size, split)
            by_name = {w.name: w for w in stored}
            specs = [(w.name, w.dtype, list(w.value.shape)) for w in stored]
            os.mkdir(os.path.join(tmp, "stream"))
            streamed = write_streaming(specs, by_name.__getitem__, quantize, shard_size, split,
                                       os.path.join(tmp, "stream"))
            same_files = sorted(files) == sorted(os.listdir(os.path.join(tmp, "stream"))) and all(
                open(os.path.join(tmp, "stream", f), "rb").read() == data
                for f, data in files.items())
            print(json.dumps({"name": name, "weights": len(stored), "files": len(files),
                              "same_manifest": streamed == manifest, "same_files": same_files}))


if __name__ == "__main__":
    main()
