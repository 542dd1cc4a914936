"""Quantised weights: --quantize_uint8, --quantize_uint16 and --quantize_float16.

The accuracy bounds are measured on the seeded MobileNetV2 with random BatchNorm statistics
(``calibrate_batch_norm=False``), not the demo's calibrated ones: a random network whose batch
norms are calibrated sits in the chaotic regime that batch-normalised networks have at
initialisation, where weight perturbations grow ~50x through the layers (measured: float16 on
the first convolution alone moved the logits by 6e-3; all weights, by 1.7e-2). A trained
network does not; no trained weights can be had offline.

The seeded MobileNetV2 (logits, no softmax) is converted once per kind with the real command
line and run by the real @tensorflow/tfjs 4.22 in Node against TensorFlow's logits; the
weights manifest's quantization entries are checked against the arithmetic TF.js 4.22 uses to
dequantise (io_utils decodeWeight: ``q * scale + min`` in float64 stored as float32; float16
through a lookup-table decoder that is exact), and TF.js's own ``tf.io.loadWeights``, given the
manifest alone, must return every weight within the quantisation step of the float32 value.
"""

import base64
import dataclasses
import fnmatch
import json
import pathlib
import subprocess
import tempfile

import numpy as np
import pytest
import tensorflow as tf

from tests.converter import tfjs

KINDS = ("uint8", "uint16", "float16")
# Max abs error of the logits (of order 1: the largest is about 0.5) against TensorFlow's.
LOGIT_ERROR = {"uint8": 1e-2, "uint16": 1e-4, "float16": 1e-3}
STORED_BYTES = {"uint8": 1, "uint16": 2, "float16": 2, "float32": 4, "int32": 4, "bool": 1,
                "complex64": 8}
SHARD_DTYPES = {"uint8": "u1", "uint16": "<u2", "float16": "<f2", "float32": "<f4",
                "int32": "<i4", "bool": "u1", "complex64": "<c8"}
# Some weights of the MobileNetV2 graph: the depthwise kernels and the classifier's kernel.
SOME_WEIGHTS = "*_depthwise_1/*,*/predictions_1/*"


@dataclasses.dataclass
class Mobilenet:
    saved_model: pathlib.Path
    image: np.ndarray
    key: str
    logits: np.ndarray


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    from models import mobilenet_saved_model  # pylint: disable=import-outside-toplevel
    saved_model = tmp_path_factory.mktemp("mobilenet") / "saved_model"
    model = mobilenet_saved_model.build(seed=0, classifier_activation=None,
                                        calibrate_batch_norm=False)
    model.export(str(saved_model), verbose=False)
    image = np.random.default_rng(0).uniform(-1, 1, (2, 224, 224, 3)).astype("float32")
    signature = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    (key, logits), = signature(image=tf.constant(image)).items()
    return Mobilenet(saved_model, image, key, logits.numpy())


@pytest.fixture(scope="module")
def converted(mobilenet, tmp_path_factory):
    """converted(*flags): the MobileNetV2's web model for those flags, converted once."""
    cache = {}

    def convert(*flags):
        if flags not in cache:
            out = tmp_path_factory.mktemp("web") / "model"
            tfjs.convert(mobilenet.saved_model, out, *flags)
            cache[flags] = out
        return cache[flags]

    return convert


@pytest.fixture(scope="module")
def float32_weights(converted):
    return _shard_values(converted())


def _manifest_entries(model_dir):
    manifest = json.loads((model_dir / "model.json").read_text())["weightsManifest"]
    return [entry for group in manifest for entry in group["weights"]]


def _shard_values(model_dir):
    """{name: (stored array as in the shards, manifest entry)}, decoding the shards in Python."""
    manifest = json.loads((model_dir / "model.json").read_text())["weightsManifest"]
    values = {}
    for group in manifest:
        data = b"".join((model_dir / path).read_bytes() for path in group["paths"])
        offset = 0
        for entry in group["weights"]:
            stored = entry.get("quantization", {}).get("dtype", entry["dtype"])
            count = int(np.prod(entry["shape"], dtype=np.int64))
            array = np.frombuffer(data, SHARD_DTYPES[stored], count, offset)
            values[entry["name"]] = (array.reshape(entry["shape"]), entry)
            offset += count * STORED_BYTES[stored]
        assert offset == len(data), "shards hold bytes the manifest does not describe"
    return values


def _shard_bytes(model_dir):
    return sum(path.stat().st_size for path in model_dir.glob("group*-shard*of*.bin"))


def load_weights(model_dir):
    """{name: array} as TF.js's tf.io.loadWeights returns them from the weights manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["node", str(tfjs.JS_DIR / "load_weights.js"), str(model_dir), tmp],
            capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"tf.io.loadWeights failed on {model_dir}: {proc.stderr}")
        index = json.loads(pathlib.Path(tmp, "index.json").read_text())
        data = pathlib.Path(tmp, "values.bin").read_bytes()
    weights = {}
    for entry in index:
        if entry["dtype"] == "string":
            values = [base64.b64decode(v) for v in entry["values"]]
            weights[entry["name"]] = np.array(values, dtype=object).reshape(entry["shape"])
            continue
        dtype = np.dtype({"float32": "<f4", "int32": "<i4", "bool": "u1"}[entry["dtype"]])
        array = np.frombuffer(data, dtype, entry["length"] // dtype.itemsize, entry["offset"])
        weights[entry["name"]] = array.reshape(entry["shape"])
    return weights


def _dequantised_as_tfjs_does(stored, quantization):
    """TF.js 4.22 io_utils decodeWeight for a float32 weight, in numpy."""
    if quantization["dtype"] == "float16":
        return stored.astype(np.float32)  # its table decoder is exact, as numpy's cast is
    return (stored.astype(np.float64) * quantization["scale"] + quantization["min"]).astype(
        np.float32)


def _assert_zero_is_exact(name, quantization):
    """The stored integer for 0 dequantises, as TF.js computes it, to exactly 0."""
    q_max = np.iinfo(quantization["dtype"]).max
    scale, minimum = quantization["scale"], quantization["min"]
    assert scale > 0, name
    zero_point = round(-minimum / scale)
    assert 0 <= zero_point <= q_max, (name, zero_point)
    assert zero_point * scale + minimum == 0.0, (name, zero_point, scale, minimum)


def _assert_within_step(name, loaded, original, quantization):
    """``loaded`` is ``original`` to half a quantisation step (plus float32 rounding)."""
    loaded, original = loaded.astype(np.float64), original.astype(np.float64)
    if quantization["dtype"] == "float16":
        tolerance = np.maximum(np.abs(original) * 2.0 ** -11, 2.0 ** -25)  # half a float16 ulp
    else:
        tolerance = quantization["scale"] / 2 + np.spacing(
            (np.abs(original) + quantization["scale"]).astype(np.float32)).astype(np.float64)
    excess = np.abs(loaded - original) - tolerance
    assert (excess <= 0).all(), (
        f"{name}: {np.abs(loaded - original).max()} off, more than the quantisation step allows")


@pytest.mark.parametrize("kind", KINDS)
def test_quantised_mobilenet_matches_tensorflow_in_tfjs(mobilenet, converted, kind):
    ran = tfjs.run(converted(f"--quantize_{kind}"), {"image": mobilenet.image})
    actual = tfjs.as_array(ran["outputs"][mobilenet.key])
    assert actual.shape == mobilenet.logits.shape
    error = np.abs(actual - mobilenet.logits).max()
    print(f"{kind}: max abs logit error {error:.3g} (logits up to "
          f"{np.abs(mobilenet.logits).max():.3g})")
    assert error <= LOGIT_ERROR[kind], f"{kind}: max abs error {error}"
    np.testing.assert_array_equal(actual.argmax(axis=1), mobilenet.logits.argmax(axis=1))


@pytest.mark.parametrize("kind", KINDS)
def test_quantised_shards_shrink(converted, float32_weights, kind):
    quantised = converted(f"--quantize_{kind}")
    float32_bytes, quantised_bytes = _shard_bytes(converted()), _shard_bytes(quantised)
    other_bytes = sum(array.nbytes for array, entry in float32_weights.values()
                      if entry["dtype"] != "float32")
    float_bytes = float32_bytes - other_bytes
    # Exactly the float32 weights shrunk, nothing else (no padding, no other weight changed).
    assert quantised_bytes == other_bytes + float_bytes * STORED_BYTES[kind] // 4
    ratio = quantised_bytes / float32_bytes
    print(f"{kind}: {quantised_bytes} of {float32_bytes} shard bytes ({ratio:.4f})")
    assert ratio == pytest.approx(STORED_BYTES[kind] / 4, abs=other_bytes / float32_bytes + 1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_manifest_quantization_entries(converted, float32_weights, kind):
    entries = _manifest_entries(converted(f"--quantize_{kind}"))
    assert [e["name"] for e in entries] == list(float32_weights)
    for entry in entries:
        if entry["dtype"] != "float32":
            assert "quantization" not in entry, entry["name"]
            continue
        quantization = entry["quantization"]
        expected_keys = {"dtype", "original_dtype"} | (
            {"min", "scale"} if kind != "float16" else set())
        assert set(quantization) == expected_keys, entry["name"]
        assert quantization["dtype"] == kind and quantization["original_dtype"] == "float32"
        if kind != "float16":
            _assert_zero_is_exact(entry["name"], quantization)


@pytest.mark.parametrize("kind", KINDS)
def test_tfjs_load_weights_reads_the_model_values(converted, float32_weights, kind):
    model_dir = converted(f"--quantize_{kind}")
    loaded = load_weights(model_dir)
    stored = _shard_values(model_dir)
    assert set(loaded) == set(float32_weights)
    worst = 0.0
    for name, (original, entry) in float32_weights.items():
        quantization = stored[name][1].get("quantization")
        if quantization is None:
            np.testing.assert_array_equal(loaded[name], original, err_msg=name)
            continue
        # The manifest entry says exactly what TF.js computes...
        np.testing.assert_array_equal(
            loaded[name], _dequantised_as_tfjs_does(stored[name][0], quantization), err_msg=name)
        # ... which is the model's value to within the quantisation step.
        _assert_within_step(name, loaded[name], original, quantization)
        step = 1.0 if kind == "float16" else quantization["scale"]
        relative = np.abs(loaded[name] - original.astype(np.float64)) / (
            np.maximum(np.abs(original), 2.0 ** -14) if kind == "float16" else step)
        worst = max(worst, float(relative.max()))
    print(f"{kind}: worst weight error {worst:.4g} "
          f"{'of |value|' if kind == 'float16' else 'quantisation steps'}")


def test_tfjs_load_weights_on_float32_model_is_exact(converted, float32_weights):
    loaded = load_weights(converted())
    assert set(loaded) == set(float32_weights)
    for name, (original, _) in float32_weights.items():
        np.testing.assert_array_equal(loaded[name], original, err_msg=name)


def test_globs_quantise_only_the_weights_they_match(mobilenet, converted, float32_weights):
    model_dir = converted(f"--quantize_uint8={SOME_WEIGHTS}")
    globs = SOME_WEIGHTS.split(",")
    matched = {name for name, (_, entry) in float32_weights.items()
               if entry["dtype"] == "float32" and any(fnmatch.fnmatchcase(name, g) for g in globs)}
    floats = {name for name, (_, entry) in float32_weights.items() if entry["dtype"] == "float32"}
    assert matched and matched != floats
    for glob in globs:
        assert any(fnmatch.fnmatchcase(name, glob) for name in matched), glob
    for entry in _manifest_entries(model_dir):
        if entry["name"] in matched:
            assert entry["quantization"]["dtype"] == "uint8", entry["name"]
        else:
            assert "quantization" not in entry, entry["name"]
    loaded = load_weights(model_dir)
    for name in floats - matched:
        np.testing.assert_array_equal(loaded[name], float32_weights[name][0], err_msg=name)
    ran = tfjs.run(model_dir, {"image": mobilenet.image})
    actual = tfjs.as_array(ran["outputs"][mobilenet.key])
    assert np.abs(actual - mobilenet.logits).max() <= LOGIT_ERROR["uint8"]


def test_two_kinds_claiming_a_weight_is_an_error(mobilenet, tmp_path):
    out = tmp_path / "web"
    result = tfjs.convert(mobilenet.saved_model, out, "--quantize_float16=*",
                          "--quantize_uint8=*", check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tfjs_converter: error: weight '")
    assert lines[0].endswith("is claimed by --quantize_float16 and --quantize_uint8")
    assert not out.exists()


@pytest.fixture(scope="module")
def small_models(tmp_path_factory):
    """Two small SavedModels: weights of every sign pattern, and weights kinds cannot hold."""
    root = tmp_path_factory.mktemp("small")
    # One MatMul per kernel, each its own output, so no optimisation pass merges two kernels.
    kernels = {
        "mixed": [[-0.5, 0.0, 0.25], [1.0, 0.0, -0.125], [0.0, 0.3, 0.7], [2.0, -1.0, 0.0]],
        "positive": np.linspace(0.5, 2.0, 12).reshape(4, 3),
        "negative": -np.linspace(0.25, 3.0, 12).reshape(4, 3),
        "zeros": np.zeros((4, 3)),
        "same": np.full((4, 3), 0.7),
    }
    kernels = {key: tf.constant(value, tf.float32) for key, value in kernels.items()}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def signs(x):
        return {key: tf.matmul(x, kernel) for key, kernel in kernels.items()}

    tf.saved_model.save(tf.Module(), str(root / "signs"), signatures={"serving_default": signs})
    minus_inf = tf.constant([-np.inf, 1.0, 0.0])
    huge = tf.constant([1e5, 1.0, -3.0])

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    def unrepresentable(x):
        return {"masked": tf.maximum(x, minus_inf), "scaled": x * huge}

    tf.saved_model.save(tf.Module(), str(root / "unrepresentable"),
                        signatures={"serving_default": unrepresentable})
    return root


@pytest.mark.parametrize("kind", ["uint8", "uint16"])
def test_zero_loads_as_exactly_zero(small_models, tmp_path, kind):
    tfjs.convert(small_models / "signs", tmp_path / "float32")
    tfjs.convert(small_models / "signs", tmp_path / kind, f"--quantize_{kind}")
    originals = _shard_values(tmp_path / "float32")
    stored = _shard_values(tmp_path / kind)
    loaded = load_weights(tmp_path / kind)
    patterns = set()
    for name, (original, _) in originals.items():
        quantization = stored[name][1]["quantization"]
        _assert_zero_is_exact(name, quantization)
        _assert_within_step(name, loaded[name], original, quantization)
        assert (loaded[name][original == 0] == 0).all(), name
        patterns.add((bool((original < 0).any()), bool((original == 0).any()),
                      bool((original > 0).any()), len(np.unique(original)) == 1))
    # (any negative, any zero, any positive, all equal): mixed, positive, negative, zeros, same
    assert patterns == {(True, True, True, False), (False, False, True, False),
                        (True, False, False, False), (False, True, False, True),
                        (False, False, True, True)}


@pytest.mark.parametrize("kind,message", [
    ("uint8", "holds -inf, which --quantize_uint8 cannot store"),
    ("uint16", "holds -inf, which --quantize_uint16 cannot store"),
    ("float16", "holds 100000.0, beyond float16's range"),
])
def test_weights_a_kind_cannot_hold_are_an_error(small_models, tmp_path, kind, message):
    out = tmp_path / "web"
    result = tfjs.convert(small_models / "unrepresentable", out, f"--quantize_{kind}",
                          check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("tfjs_converter: error: weight '")
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_glob_that_matches_no_weight_is_an_error(mobilenet, tmp_path):
    out = tmp_path / "out"
    result = tfjs.convert(mobilenet.saved_model, out, "--quantize_uint8=conv*,*", check=False)
    assert result.returncode == 1 and not out.exists()
    (line,) = result.stderr.splitlines()
    assert line.startswith("tfjs_converter: error: --quantize_uint8 glob 'conv*' matches no "
                           "weight; weight names look like 'StatefulPartitionedCall")
