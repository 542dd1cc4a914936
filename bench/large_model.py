"""Benchmark (issue 14): a model past protobuf's 2 GB limit, converted to a graph model.

The model is generated, seeded: an embedding table of 532,480 x 1,024 float32 (2.18 GB, one
tensor past 2 GiB) and a stack of 15 transformer blocks (d=1,024, feed-forward 4,096; 0.76 GB),
2.94 GB of float32 weights in a SavedModel. It is converted by ours as is and with
--quantize_float16, and by the reference tensorflowjs_converter. For each: wall time, peak RSS
(of the converter's process), the output's size, and the result; for ours, TF.js's own
tf.io.loadWeights on the manifest (tests/js/load_weights.js with a sample list) reads back
sampled values of every weight, which must equal the model's exactly (float16: the values
rounded to float16). The floor, `import tensorflow` alone, is measured too.

usage: python bench/large_model.py [--source=saved_model|keras] [--workdir=DIR] [--reference=PATH]
                                  [--scale=F]
--scale shrinks the model (0.01: 30 MB) to try the benchmark quickly. The workdir keeps the
generated model between runs (about 3 GB, plus 5 GB of outputs while it runs). The reference
comes from a separate environment (see TFJS-FORMAT.md); it is watched, and stopped if the
machine's available memory falls below --reserve_mb.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
flags.DEFINE_string("workdir", "/tmp/large_model", "Where the model and the outputs go.")
flags.DEFINE_string("reference", "/opt/tfjs-reference-venv/bin/tensorflowjs_converter",
                    "The reference converter's executable ('' to skip it).")
flags.DEFINE_boolean("ours", True, "Run our converter (--noours: only the reference).")
flags.DEFINE_float("scale", 1.0, "The model's size as a fraction of the full one.")
flags.DEFINE_integer("reserve_mb", 1500, "Stop a converter when less memory is available.")
flags.DEFINE_integer("samples", 2000, "Values compared per weight through tf.io.loadWeights.")
flags.DEFINE_enum("source", "saved_model", ["saved_model", "keras"],
                  "The model converted: the SavedModel, or the Keras model (.keras and .h5 files, "
                  "each converted to a graph and to a layers model).")
flags.DEFINE_string("make", None, "Only write the SavedModel to this path (used internally).")
flags.DEFINE_string("make_keras", None, "Only write the Keras files (used internally).")
FLAGS = flags.FLAGS

VOCAB, WIDTH, FEED_FORWARD, BLOCKS, HEADS = 532_480, 1_024, 4_096, 15, 8
_ENV = {"PYTHONPATH": REPO_ROOT, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"), "TF_CPP_MIN_LOG_LEVEL": "2"}


def _sizes(scale):
    """(vocab, blocks) for ``scale``: the embedding and the stack shrink alike."""
    return max(64, int(VOCAB * scale)), max(1, round(BLOCKS * scale))


def weight_shapes(scale):
    """{variable name: shape}, in the order they are generated (each from its own seed)."""
    vocab, blocks = _sizes(scale)
    shapes = {"embedding": (vocab, WIDTH)}
    for block in range(blocks):
        for name, shape in (("query", (WIDTH, WIDTH)), ("key", (WIDTH, WIDTH)),
                            ("value", (WIDTH, WIDTH)), ("attention_out", (WIDTH, WIDTH)),
                            ("norm1_scale", (WIDTH,)), ("norm1_offset", (WIDTH,)),
                            ("ff_in", (WIDTH, FEED_FORWARD)), ("ff_in_bias", (FEED_FORWARD,)),
                            ("ff_out", (FEED_FORWARD, WIDTH)), ("ff_out_bias", (WIDTH,)),
                            ("norm2_scale", (WIDTH,)), ("norm2_offset", (WIDTH,))):
            shapes[f"block{block:02d}_{name}"] = shape
    return shapes


def weight_value(names, name, shape):
    """The seeded value of weight ``name`` (the n-th of ``names``)."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    rng = np.random.default_rng([2026, names.index(name)])
    value = rng.standard_normal(shape, dtype=np.float32)
    value *= 0.02
    if name.endswith("_scale"):
        value += 1.0
    return value


def keras_weight_shapes(scale):
    """{weight name: shape} of the Keras model: the same embedding, then two dense layers."""
    return {"embedding": (_sizes(scale)[0], WIDTH), "dense_in": (WIDTH, FEED_FORWARD),
            "dense_in_bias": (FEED_FORWARD,), "dense_out": (FEED_FORWARD, WIDTH),
            "dense_out_bias": (WIDTH,)}


def make_keras_model(path, scale):
    """Writes the Keras 3 model as ``path``.keras and ``path``.h5: ids [batch, sequence] ->
    embedding -> mean over the sequence -> dense (relu) -> dense."""
    import keras  # pylint: disable=import-outside-toplevel
    shapes = keras_weight_shapes(scale)
    names = list(shapes)
    ids = keras.Input((None,), dtype="int32", name="ids")
    embedding = keras.layers.Embedding(*shapes["embedding"], name="embedding")
    dense_in = keras.layers.Dense(FEED_FORWARD, activation="relu", name="dense_in")
    dense_out = keras.layers.Dense(WIDTH, name="dense_out")
    outputs = dense_out(dense_in(keras.layers.GlobalAveragePooling1D()(embedding(ids))))
    model = keras.Model(ids, outputs)
    for layer, weights in ((embedding, ["embedding"]), (dense_in, ["dense_in", "dense_in_bias"]),
                           (dense_out, ["dense_out", "dense_out_bias"])):
        layer.set_weights([weight_value(names, w, shapes[w]) for w in weights])
    model.save(path + ".keras")
    model.save(path + ".h5")


def make_model(path, scale):
    """Writes the SavedModel: serve(ids [batch, sequence] int32) -> {"pooled": [batch, d]}."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    shapes = weight_shapes(scale)
    names = list(shapes)
    module = tf.Module()
    module.weights = {}
    for name, shape in shapes.items():
        module.weights[name] = tf.Variable(weight_value(names, name, shape), name=name)
    w = module.weights

    def norm(x, prefix):
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(variance + 1e-5) * w[prefix + "_scale"] + w[
            prefix + "_offset"]

    def dense(x, kernel, bias=None):
        rows = tf.reshape(x, [-1, tf.shape(x)[-1]])
        out = tf.matmul(rows, kernel)
        if bias is not None:
            out = tf.nn.bias_add(out, bias)
        return tf.reshape(out, tf.concat([tf.shape(x)[:-1], [kernel.shape[-1]]], 0))

    def heads(x):
        batch, length = tf.shape(x)[0], tf.shape(x)[1]
        return tf.transpose(tf.reshape(x, [batch, length, HEADS, WIDTH // HEADS]), [0, 2, 1, 3])

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="ids")])
    def serve(ids):
        x = tf.gather(w["embedding"], ids)
        for block in range(_sizes(scale)[1]):
            p = f"block{block:02d}_"
            h = norm(x, p + "norm1")
            q, k, v = (heads(dense(h, w[p + n])) for n in ("query", "key", "value"))
            attention = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / (WIDTH // HEADS) ** 0.5)
            mixed = tf.reshape(tf.transpose(tf.matmul(attention, v), [0, 2, 1, 3]), tf.shape(x))
            x = x + dense(mixed, w[p + "attention_out"])
            h = norm(x, p + "norm2")
            x = x + dense(tf.nn.relu(dense(h, w[p + "ff_in"], w[p + "ff_in_bias"])),
                          w[p + "ff_out"], w[p + "ff_out_bias"])
        return {"pooled": tf.reduce_mean(x, axis=1)}

    tf.saved_model.save(module, path, signatures={"serving_default": serve})


_EXCEPTION = re.compile(r"^\w+(Error|Exception): ")


def _available_mb():
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 1 << 30


def measure(command):
    """Runs ``command``; returns (seconds, peak RSS MB, exit status, the first exception line of
    stderr, else its last line). The process is killed if the machine's available memory falls
    below --reserve_mb."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO_ROOT,
                                env=_ENV)
        stopped = []

        def watch():
            while proc.poll() is None:
                if _available_mb() < FLAGS.reserve_mb:
                    stopped.append(_available_mb())
                    proc.kill()
                time.sleep(0.2)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        watcher.join()
        seconds = time.perf_counter() - start
        stderr.seek(0)
        lines = [line for line in stderr.read().decode(errors="replace").splitlines() if line]
    errors = [line for line in lines if _EXCEPTION.match(line)]
    last = errors[0] if errors else lines[-1] if lines else ""
    if stopped:
        last = f"stopped: the machine had {stopped[0]} MB of memory left"
    return seconds, usage.ru_maxrss // 1024, proc.returncode, last


def _size_mb(directory):
    if not os.path.isdir(directory):
        return 0
    return sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory)) / 1e6


def check_with_tfjs(output, shapes, float16):
    """Reads sampled values of every weight of a generated shape with tf.io.loadWeights, and
    matches each generated weight (``shapes``: {name: shape}) to the one output weight holding
    exactly its values (their names are the converter's). Returns (weights matched, values
    compared); raises AssertionError when a weight has no match."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    names = list(shapes)
    with open(os.path.join(output, "model.json"), encoding="utf-8") as f:
        entries = [w for g in json.load(f)["weightsManifest"] for w in g["weights"]]
    picks = {}
    for shape in set(shapes.values()):
        size = math.prod(shape)
        rng = np.random.default_rng([7, *shape])
        picks[shape] = sorted({0, size - 1, *rng.integers(0, size, FLAGS.samples).tolist()})
    samples = {e["name"]: picks[tuple(e["shape"])] for e in entries
               if tuple(e["shape"]) in picks and e["dtype"] == "float32"}
    with tempfile.TemporaryDirectory() as tmp:
        sample_file = os.path.join(tmp, "samples.json")
        with open(sample_file, "w", encoding="utf-8") as f:
            json.dump(samples, f)
        subprocess.run(["node", os.path.join(REPO_ROOT, "tests/js/load_weights.js"), output, tmp,
                        sample_file], check=True, capture_output=True)
        with open(os.path.join(tmp, "index.json"), encoding="utf-8") as f:
            read = {e["name"]: np.array(e["values"], np.float32) for e in json.load(f)}
    compared = 0
    for name, shape in shapes.items():
        value = weight_value(names, name, shape).reshape(-1)[picks[shape]]
        if float16:
            value = value.astype(np.float16).astype(np.float32)
        matches = [weight for weight, got in read.items() if np.array_equal(got, value)]
        if len(matches) != 1:
            raise AssertionError(f"weight {name}: {len(matches)} weights of the output read by "
                                 "tf.io.loadWeights hold its sampled values")
        compared += len(value)
    return len(shapes), compared


def _generated(path, marker, make_flag):
    """Generates the model (in a process of its own) unless ``marker`` exists."""
    if os.path.exists(marker):
        return
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, f"--scale={FLAGS.scale}", f"{make_flag}={path}"],
                   check=True, cwd=REPO_ROOT, env=_ENV)
    print(f"generated {path} in {time.perf_counter() - started:.0f} s")


def _run(label, command, output, shapes, float16):
    """One conversion, measured; then TF.js's check of its weights (``float16``: None skips)."""
    shutil.rmtree(output, ignore_errors=True)
    seconds, rss, status, last = measure([*command, output])
    result = "ok" if status == 0 else f"exit {status}: {last}"
    print(f"{label:<40} {seconds:6.1f} s  peak RSS {rss:6,} MB  output "
          f"{_size_mb(output):,.0f} MB  {result}", flush=True)
    if status == 0 and float16 is not None:
        checked, values = check_with_tfjs(output, shapes, float16)
        print(f"{'':<40} tf.io.loadWeights: {values:,} sampled values of {checked} weights "
              "equal the model's" + (" rounded to float16" if float16 else ""), flush=True)
    shutil.rmtree(output, ignore_errors=True)


def main(argv):
    del argv
    if FLAGS.make:
        make_model(FLAGS.make, FLAGS.scale)
        return
    if FLAGS.make_keras:
        make_keras_model(FLAGS.make_keras, FLAGS.scale)
        return
    os.makedirs(FLAGS.workdir, exist_ok=True)
    output = os.path.join(FLAGS.workdir, "out")
    ours = [sys.executable, "-m", "tools.converter"]
    seconds, rss, _, _ = measure([sys.executable, "-c", "import tensorflow"])
    print(f"{'import tensorflow only':<40} {seconds:6.1f} s  peak RSS {rss:6,} MB")
    if FLAGS.source == "keras":
        shapes = keras_weight_shapes(FLAGS.scale)
        prefix = os.path.join(FLAGS.workdir, f"keras_{FLAGS.scale:g}")
        _generated(prefix, prefix + ".h5", "--make_keras")
        for suffix, input_format in ((".keras", "keras_keras"), (".h5", "keras")):
            print(f"{prefix + suffix}: {os.path.getsize(prefix + suffix) / 1e6:,.0f} MB")
            for kind in ("graph", "layers"):
                _run(f"ours, {suffix} -> {kind} model",
                     [*ours, f"--input_format={input_format}", f"--output_format=tfjs_{kind}_model",
                      prefix + suffix], output, shapes, False)
        return
    shapes = weight_shapes(FLAGS.scale)
    model = os.path.join(FLAGS.workdir, f"saved_model_{FLAGS.scale:g}")
    _generated(model, os.path.join(model, "saved_model.pb"), "--make")
    print(f"model: {_size_mb(os.path.join(model, 'variables')):,.0f} MB of variables, largest "
          f"tensor {max(math.prod(s) for s in shapes.values()) * 4 / 1e6:,.0f} MB")
    if FLAGS.ours:
        _run("ours", [*ours, model], output, shapes, False)
        _run("ours, --quantize_float16", [*ours, "--quantize_float16", model], output, shapes,
             True)
    if FLAGS.reference:
        _run("reference tensorflowjs_converter",
             [FLAGS.reference, "--input_format=tf_saved_model", model], output, shapes, None)


if __name__ == "__main__":
    app.run(main)
