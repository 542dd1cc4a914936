"""Weights streamed into shard files: the bytes are the encoded weights one after the other, cut
at the shard size (a weight may span files), and they read back as TF.js decodes them."""

import numpy as np
import pytest

from tools.converter.writers import output_dir, weight_files, weights

_WEIGHTS = [
    weights.Weight("dense/kernel", np.random.default_rng(0).standard_normal((7, 5), np.float32),
                   "float32"),
    weights.Weight("dense/bias", np.arange(5, dtype=np.float32), "float32"),
    weights.Weight("vocab", np.array([b"a", "\u00e9t\u00e9".encode(), b""], dtype=object),
                   "string"),
    weights.Weight("steps", np.array([3, -1], np.int32), "int32"),
    weights.Weight("mask", np.array([True, False, True]), "bool"),
    weights.Weight("conv/kernel", np.random.default_rng(1).standard_normal((3, 3, 2, 4),
                                                                           np.float32), "float32"),
]


def _encoded(weight, quantization=None):
    """(manifest entry, all the bytes) of weights.encode."""
    entry, pieces = weights.encode(weight, quantization)
    return entry, b"".join(bytes(piece) for piece in pieces)


def _write(tmp_path, stored, quantize=None, shard_size=64, split_by_layer=False):
    with output_dir.staged(str(tmp_path / "out")) as staging:
        manifest, names = weight_files.write_weights(
            staging, stored, quantize or {}, shard_size, split_by_layer, progress_min_bytes=1 << 40)
    return manifest, names, tmp_path / "out"


@pytest.mark.parametrize("shard_size", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("quantize", [{}, {"float16": ("dense/*",), "uint8": ("conv/*",)}])
def test_files_are_the_encoded_weights_cut_at_the_shard_size(tmp_path, shard_size, quantize):
    manifest, names, out = _write(tmp_path, _WEIGHTS, quantize, shard_size)
    encoded = [_encoded(w, weights.quantization_of(w.name, quantize)) for w in _WEIGHTS]
    data = b"".join(d for _, d in encoded)
    count = -(-len(data) // shard_size)
    assert names == [f"group1-shard{i + 1}of{count}.bin" for i in range(count)]
    assert [(out / name).read_bytes() for name in names] == [
        data[i * shard_size:(i + 1) * shard_size] for i in range(count)]
    assert manifest == [{"paths": names, "weights": [entry for entry, _ in encoded]}]


def test_weights_read_back_as_written(tmp_path):
    manifest, _, out = _write(tmp_path, _WEIGHTS, shard_size=10)
    values = weights.read_manifest(manifest, str(out))
    for weight in _WEIGHTS:
        np.testing.assert_array_equal(values[weight.name], weight.value)


def test_groups_by_layer_are_sharded_each_on_its_own(tmp_path):
    manifest, names, _ = _write(tmp_path, _WEIGHTS, shard_size=100, split_by_layer=True)
    assert [[w["name"] for w in group["weights"]] for group in manifest] == [
        ["dense/kernel", "dense/bias"], ["vocab"], ["steps"], ["mask"], ["conv/kernel"]]
    assert names[:2] == ["group1-shard1of2.bin", "group1-shard2of2.bin"]  # 140 + 20 bytes
    assert names[-3:] == [f"group5-shard{i}of3.bin" for i in (1, 2, 3)]  # 288 bytes


def test_no_weights_write_no_files(tmp_path):
    manifest, names, out = _write(tmp_path, [])
    assert (manifest, names) == ([], [])
    assert not list(out.iterdir())


@pytest.mark.parametrize("quantization", [None, "float16", "uint8", "uint16"])
def test_planned_sizes_are_the_encoded_sizes(quantization):
    for weight in _WEIGHTS:
        assert weights.encoded_size(weight, quantization) == len(
            _encoded(weight, quantization)[1]), weight.name


def _lazy(weight, reads):
    def load():
        reads.append(weight.name)
        return weight.value
    return weights.LazyWeight.of(weight.name, weight.value.dtype, weight.value.shape, load)


@pytest.mark.parametrize("quantize", [{}, {"float16": ("dense/*",), "uint8": ("conv/*",)}])
def test_lazy_weights_are_read_once_each_as_written_and_give_the_same_bytes(tmp_path, quantize):
    reads = []
    stored = [w if w.dtype == "string" else _lazy(w, reads) for w in _WEIGHTS]
    manifest, names, out = _write(tmp_path / "lazy", stored, quantize, shard_size=10)
    expected, expected_names, expected_out = _write(tmp_path / "plain", _WEIGHTS, quantize, 10)
    assert reads == [w.name for w in _WEIGHTS if w.dtype != "string"]
    assert (manifest, names) == (expected, expected_names)
    assert all((out / n).read_bytes() == (expected_out / n).read_bytes() for n in names)


def test_a_lazy_int64_weight_is_range_checked_when_read(tmp_path):
    big = np.array([1, 1 << 40], np.int64)
    lazy = weights.LazyWeight.of("big", big.dtype, big.shape, lambda: big)
    assert lazy.dtype == "int32"
    with pytest.raises(weights.ConversionError, match="does not fit the int32"):
        _write(tmp_path, [lazy])


_WIDE = {
    "float32": np.random.default_rng(2).standard_normal(1001, np.float32),
    "float64": np.random.default_rng(3).standard_normal((7, 143)) * 1e3,
    "int64": np.arange(-500, 501, dtype=np.int64) * 1_000_000,
    "uint64": np.arange(1001, dtype=np.uint64) << 20,
    "bool": np.arange(1001) % 3 == 0,
}


@pytest.mark.parametrize("quantization", [None, "float16", "uint8", "uint16"])
@pytest.mark.parametrize("kind", sorted(_WIDE))
def test_weights_encoded_in_chunks_are_the_bytes_of_the_whole_cast_at_once(
        monkeypatch, kind, quantization):
    value = _WIDE[kind]
    weight = weights.to_tfjs_dtype(kind, value)
    if quantization and weight.dtype != "float32":
        return
    whole = _encoded(weight, quantization)
    monkeypatch.setattr(weights, "_CHUNK_ITEMS", 64)
    entry, pieces = weights.encode(weight, quantization)
    pieces = [bytes(piece) for piece in pieces]
    assert len(pieces) == -(-value.size // 64)
    assert (entry, b"".join(pieces)) == whole
    stored = np.dtype(weights._STORED[quantization or weight.dtype])  # pylint: disable=protected-access
    if not quantization:
        cast = value.astype(np.float32 if weight.dtype == "float32" else stored)
        assert b"".join(pieces) == cast.astype(stored).tobytes()


def test_an_int64_out_of_int32_range_in_a_later_chunk_is_named(monkeypatch):
    monkeypatch.setattr(weights, "_CHUNK_ITEMS", 64)
    value = np.zeros(1000, np.int64)
    value[900] = -(1 << 33)
    with pytest.raises(weights.ConversionError, match=r"'ids' \(int64\) holds -8589934592"):
        weights.to_tfjs_dtype("ids", value)


@pytest.mark.parametrize("quantization", ["float16", "uint8"])
def test_a_bad_value_in_a_later_chunk_fails_the_quantisation(monkeypatch, quantization):
    monkeypatch.setattr(weights, "_CHUNK_ITEMS", 64)
    value = np.zeros(1000, np.float32)
    value[700] = np.inf if quantization == "uint8" else 1e6
    with pytest.raises(weights.ConversionError, match=f"holds {value[700]}"):
        b"".join(_encoded(weights.to_tfjs_dtype("w", value), quantization)[1])
