"""Small, seeded TensorFlow models for converter tests, with TensorFlow's own outputs.

Every builder writes one model under a work directory and returns a `ModelCase`: where the model
is, the converter flags it needs, feed values, and the outputs TensorFlow computes for them after
loading the model back from disk. All weights and inputs come from a numpy generator seeded by the
case name, so a case is identical on every build.
"""

import dataclasses
import os
import pathlib
import zlib
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_hub as hub  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402

SAVED_MODEL_FLAGS = ("--input_format=tf_saved_model",)
HUB_FLAGS = ("--input_format=tf_hub",)
SERVING_DEFAULT = "serving_default"

# Contents of tfhub_module.pb: a tensorflow_hub.ModuleDef proto with format = FORMAT_V3 (field 1,
# varint 3) and no required features. tensorflow_hub >= 0.16 no longer ships module_def_pb2.
_HUB_MODULE_DEF_V3 = b"\x08\x03"


@dataclasses.dataclass(frozen=True)
class ModelCase:
    name: str                      # e.g. "tf2_variables"
    input_path: str                # path to pass as the converter's INPUT (dir or .pb file)
    flags: tuple[str, ...]         # converter flags, e.g. ("--input_format=tf_saved_model",)
    inputs: dict[str, np.ndarray]  # feed values keyed by signature input key (frozen graph: by placeholder node name)
    expected: dict[str, np.ndarray]  # TensorFlow's outputs keyed by signature output key (frozen graph: output node name)


# --- shared helpers ---


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def _strings(*values: str) -> np.ndarray:
    return np.array([v.encode() for v in values], dtype=object)


def _module(**trackables) -> tf.Module:
    """A tf.Module holding `trackables` as attributes, so tf.saved_model.save finds them."""
    module = tf.Module()
    for key, value in trackables.items():
        setattr(module, key, value)
    return module


def _run_signature(loaded, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    outputs = loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
    return {key: np.asarray(value.numpy()) for key, value in outputs.items()}


def _saved_model_case(name: str, path: pathlib.Path, inputs: dict[str, np.ndarray],
                      flags: tuple[str, ...] = SAVED_MODEL_FLAGS, signature: str = SERVING_DEFAULT,
                      load: Callable = tf.saved_model.load) -> ModelCase:
    """The case for the SavedModel at `path`; expected outputs come from `load(path)`."""
    expected = _run_signature(load(str(path)), signature, inputs)
    return ModelCase(name, str(path), flags, inputs, expected)


def _save_tf2(workdir: pathlib.Path, name: str, module: tf.Module, inputs: dict[str, np.ndarray],
              signatures: dict[str, Callable], **case_args) -> ModelCase:
    """Saves `module` with tf.saved_model.save and returns its case for `inputs`."""
    path = workdir / name
    tf.saved_model.save(module, str(path), signatures=signatures)
    return _saved_model_case(name, path, inputs, **case_args)


def _export_keras(workdir: pathlib.Path, name: str, model: keras.Model,
                  rng: np.random.Generator) -> ModelCase:
    """Exports `model` with model.export and feeds it one random batch of two."""
    path = workdir / name
    model.export(str(path), verbose=False)
    signature = tf.saved_model.load(str(path)).signatures[SERVING_DEFAULT]
    _, specs = signature.structured_input_signature
    inputs = {key: _normal(rng, 2, *spec.shape[1:]) for key, spec in specs.items()}
    return _saved_model_case(name, path, inputs)


def _run_graph_def(graph_def: tf.compat.v1.GraphDef, inputs: dict[str, np.ndarray],
                   outputs: list[str]) -> dict[str, np.ndarray]:
    """Runs a GraphDef in a TF1 Session, feeding and fetching output 0 of the named nodes."""
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        tf.graph_util.import_graph_def(graph_def, name="")
        values = sess.run([f"{node}:0" for node in outputs],
                          {f"{node}:0": value for node, value in inputs.items()})
    return {node: np.asarray(value) for node, value in zip(outputs, values)}


# --- builders ---


def build_tf1_saved_model(workdir: pathlib.Path) -> ModelCase:
    """TF1 graph: relu(x @ w + b), w a VariableV2 and b a resource variable; saved with Builder."""
    name = "tf1_saved_model"
    rng = _rng(name)
    path = workdir / name
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        w = tf.compat.v1.Variable(_normal(rng, 4, 3), use_resource=False, name="w")
        b = tf.compat.v1.Variable(_normal(rng, 3), use_resource=True, name="b")
        y = tf.nn.relu(tf.matmul(x, w) + b, name="y")
        sess.run(tf.compat.v1.global_variables_initializer())
        builder = tf.compat.v1.saved_model.Builder(str(path))
        builder.add_meta_graph_and_variables(
            sess, [tf.compat.v1.saved_model.SERVING],
            signature_def_map={SERVING_DEFAULT: tf.compat.v1.saved_model.predict_signature_def(
                inputs={"x": x}, outputs={"y": y})})
        builder.save()
    return _saved_model_case(name, path, {"x": _normal(rng, 3, 4)})


def build_tf2_variables(workdir: pathlib.Path) -> ModelCase:
    """tf.Module with a hand-made two-layer MLP; signatures "serving_default" and "other"."""
    name = "tf2_variables"
    rng = _rng(name)
    module = _module(w1=tf.Variable(_normal(rng, 4, 8)), b1=tf.Variable(_normal(rng, 8)),
                     w2=tf.Variable(_normal(rng, 8, 3)), b2=tf.Variable(_normal(rng, 3)))

    def hidden(x):
        return tf.nn.relu(tf.matmul(x, module.w1) + module.b1)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def serve(x):
        return {"logits": tf.matmul(hidden(x), module.w2) + module.b2}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="features")])
    def other(features):
        return {"hidden": hidden(features)}

    return _save_tf2(workdir, name, module, {"x": _normal(rng, 2, 4)},
                     signatures={SERVING_DEFAULT: serve, "other": other})


def build_autograph_if(workdir: pathlib.Path) -> ModelCase:
    """Two autograph `if`s on tensor values: the first is taken, the second is not.

    The second one reads a variable in one branch, which makes it a stateful If rather than a
    StatelessIf.
    """
    name = "autograph_if"
    rng = _rng(name)
    module = _module(scale=tf.Variable(_normal(rng, 3)))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def serve(x):
        if tf.reduce_sum(x) > 0:
            y = tf.tanh(x) * 2.0
        else:
            y = tf.square(x) - 1.0
        if tf.reduce_min(x) < 0:
            z = y * module.scale
        else:
            z = tf.exp(-y) + 1.0
        return {"y": y, "z": z}

    # Non-negative inputs with a positive sum: the first `if` takes its then-branch, the second
    # its else-branch.
    inputs = {"x": np.abs(_normal(rng, 2, 3)) + np.float32(0.1)}
    return _save_tf2(workdir, name, module, inputs, signatures={SERVING_DEFAULT: serve})


def build_nested_while(workdir: pathlib.Path) -> ModelCase:
    """Two nested autograph `for ... in tf.range` loops with a tf.cond in the inner one.

    The trip counts depend on the int32 input `n`, so nothing is constant-folded.
    """
    name = "nested_while"
    rng = _rng(name)

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x"),
                                  tf.TensorSpec([], tf.int32, name="n")])
    def serve(x, n):
        acc = x
        steps = tf.constant(0)
        for i in tf.range(n):
            for j in tf.range(i + 1):
                acc = tf.cond((i + j) % 2 == 0,
                              lambda: acc * 0.9 + 0.1,
                              lambda: acc - 0.05 * tf.cast(j, tf.float32))
                steps += 1
        return {"acc": acc, "steps": steps}

    inputs = {"x": _normal(rng, 3, 2), "n": np.array(4, np.int32)}
    return _save_tf2(workdir, name, _module(), inputs, signatures={SERVING_DEFAULT: serve})


def build_tensor_array_loop(workdir: pathlib.Path) -> ModelCase:
    """An RNN-like autograph loop filling TensorArrays: with its carried state, with a tensor it
    computes, from the branches of an `if`, and from a nested loop (into the outer array).

    TF.js frees what a loop body or branch made when it returns, stored tensors included, unless
    the converter makes them outputs (tools/converter/legalize/loop_list_writes.py).
    """
    name = "tensor_array_loop"
    rng = _rng(name)
    w = tf.Variable(_normal(rng, 3, 3))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def serve(x):
        steps = tf.shape(x)[0]
        states, doubled, signed = (tf.TensorArray(tf.float32, size=steps) for _ in range(3))
        scaled = tf.TensorArray(tf.float32, size=2 * steps)
        h = tf.zeros([3])
        for t in tf.range(steps):
            h = tf.tanh(tf.linalg.matvec(w, x[t]) + h)
            states = states.write(t, h)
            doubled = doubled.write(t, h * 2.0)
            if tf.reduce_sum(h) > 0:
                signed = signed.write(t, h + 1.0)
            else:
                signed = signed.write(t, h - 1.0)
            for j in tf.range(2):
                scaled = scaled.write(2 * t + j, h * tf.cast(j + 1, tf.float32))
        return {"states": states.stack(), "doubled": doubled.stack(), "signed": signed.stack(),
                "scaled": scaled.stack()}

    inputs = {"x": _normal(rng, 5, 3)}
    return _save_tf2(workdir, name, _module(w=w), inputs, signatures={SERVING_DEFAULT: serve})


def build_hash_table(workdir: pathlib.Path) -> ModelCase:
    """StaticHashTable (string -> int64, default -1) built from constants, no asset files."""
    name = "hash_table"
    rng = _rng(name)
    keys = ["apple", "banana", "cherry", "date", "elderberry"]
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(keys), tf.constant(rng.permutation(len(keys)) + 10, tf.int64)),
        default_value=-1)
    module = _module(table=table, weight=tf.Variable(_normal(rng)))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
    def serve(words):
        ids = module.table.lookup(words)
        score = tf.where(ids >= 0, tf.cast(ids, tf.float32) * module.weight, -1.0)
        return {"ids": tf.cast(ids, tf.int32), "score": score}

    inputs = {"words": _strings("cherry", "zucchini", "apple", "", "date", "Apple")}
    return _save_tf2(workdir, name, module, inputs, signatures={SERVING_DEFAULT: serve})


def build_conv_bn_relu(workdir: pathlib.Path) -> ModelCase:
    """Keras Conv2D (no bias) -> BatchNormalization -> ReLU, with random BN statistics."""
    name = "conv_bn_relu"
    rng = _rng(name)
    model = keras.Sequential([
        keras.Input((8, 8, 3), name="image"),
        keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.ReLU(name="relu"),
    ], name=name)
    model.get_layer("conv").set_weights([_normal(rng, 3, 3, 3, 4, scale=0.5)])
    gamma, beta, mean = (_normal(rng, 4) for _ in range(3))
    variance = rng.uniform(0.5, 2.0, 4).astype(np.float32)
    model.get_layer("bn").set_weights([gamma, beta, mean, variance])
    return _export_keras(workdir, name, model, rng)


def build_depthwise_conv(workdir: pathlib.Path) -> ModelCase:
    """Keras DepthwiseConv2D (depth multiplier 2, with bias) -> ReLU6."""
    name = "depthwise_conv"
    rng = _rng(name)
    model = keras.Sequential([
        keras.Input((8, 8, 3), name="image"),
        keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="depthwise"),
        keras.layers.ReLU(max_value=6.0, name="relu6"),
    ], name=name)
    model.get_layer("depthwise").set_weights([_normal(rng, 3, 3, 3, 2, scale=2.0),
                                              _normal(rng, 6)])
    return _export_keras(workdir, name, model, rng)


def build_dict_outputs(workdir: pathlib.Path) -> ModelCase:
    """Dict outputs: "sum" and "diff" share shape and dtype; "top_indices" is TopKV2's output 1."""
    name = "dict_outputs"
    rng = _rng(name)
    module = _module(w=tf.Variable(_normal(rng, 5)))

    @tf.function(input_signature=[tf.TensorSpec([None, 5], tf.float32, name="x")])
    def serve(x):
        return {"sum": x + module.w, "diff": x - module.w,
                "top_indices": tf.math.top_k(x, k=2).indices}

    return _save_tf2(workdir, name, module, {"x": _normal(rng, 3, 5)},
                     signatures={SERVING_DEFAULT: serve})


def build_wide_dtypes(workdir: pathlib.Path) -> ModelCase:
    """Weights TF.js stores in another dtype (float64, int64) or as pairs (complex64).

    The input has no batch dimension: TF.js 4.22's cpu backend gets broadcast complex
    multiplication wrong (NaN in all but the first and last rows), which is not ours to test.
    """
    name = "wide_dtypes"
    rng = _rng(name)
    module = _module(
        w64=tf.Variable(rng.standard_normal(4)),  # float64
        i64=tf.Variable(rng.integers(-2**20, 2**20, 4)),  # int64
        c64=tf.Variable(tf.complex(_normal(rng, 4), _normal(rng, 4))))

    @tf.function(input_signature=[tf.TensorSpec([4], tf.float32, name="x")])
    def serve(x):
        rotated = tf.complex(x, -x) * module.c64
        return {"scaled": tf.cast(tf.cast(x, tf.float64) * module.w64, tf.float32),
                "shifted": tf.cast(tf.cast(tf.round(x * 100), tf.int64) + module.i64, tf.int32),
                "real": tf.math.real(rotated), "imag": tf.math.imag(rotated)}

    return _save_tf2(workdir, name, module, {"x": _normal(rng, 4)},
                     signatures={SERVING_DEFAULT: serve})


def build_mixed_dtypes(workdir: pathlib.Path) -> ModelCase:
    """float32, int32, bool and string inputs and outputs in one signature.

    The string ops are ones TF.js has (no StringJoin there): a hash bucket and a reshape.
    """
    name = "mixed_dtypes"
    rng = _rng(name)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x"),
                                  tf.TensorSpec([None], tf.int32, name="count"),
                                  tf.TensorSpec([None], tf.bool, name="flag"),
                                  tf.TensorSpec([None], tf.string, name="label")])
    def serve(x, count, flag, label):
        return {"value": tf.where(flag, x, -x) * tf.cast(count, tf.float32),
                "count_out": count * 3 - 1,
                "flag_out": tf.logical_and(flag, count > 2),
                "bucket": tf.cast(tf.strings.to_hash_bucket_fast(label, 97), tf.int32),
                "greeting": tf.reshape(label, [2, -1])}

    inputs = {"x": _normal(rng, 4),
              "count": np.array([3, -2, 0, 7], np.int32),
              "flag": np.array([True, False, True, True]),
              "label": _strings("a", "bc", "", "déf")}
    return _save_tf2(workdir, name, _module(), inputs, signatures={SERVING_DEFAULT: serve})


def build_frozen_graph(workdir: pathlib.Path) -> ModelCase:
    """Frozen TF1 GraphDef: Placeholder "input" -> softmax "output" and tanh "aux"."""
    name = "frozen_graph"
    rng = _rng(name)
    output_nodes = ["output", "aux"]
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="input")
        w = tf.compat.v1.Variable(_normal(rng, 4, 3), name="w")
        b = tf.compat.v1.Variable(_normal(rng, 3), name="b")
        logits = tf.matmul(x, w) + b
        tf.nn.softmax(logits, name="output")
        tf.tanh(logits * 0.5, name="aux")
        sess.run(tf.compat.v1.global_variables_initializer())
        graph_def = tf.compat.v1.graph_util.convert_variables_to_constants(
            sess, sess.graph.as_graph_def(), output_nodes)
    path = workdir / name / "frozen.pb"
    path.parent.mkdir(parents=True)
    path.write_bytes(graph_def.SerializeToString())
    inputs = {"input": _normal(rng, 2, 4)}
    expected = _run_graph_def(tf.compat.v1.GraphDef.FromString(path.read_bytes()), inputs,
                              output_nodes)
    flags = ("--input_format=tf_frozen_model", "--output_node_names=" + ",".join(output_nodes))
    return ModelCase(name, str(path), flags, inputs, expected)


def build_hub_tf1_module(workdir: pathlib.Path) -> ModelCase:
    """A module in the TF1 Hub format, written without tensorflow_hub's TF1 API.

    tensorflow_hub 0.16 removed hub.create_module_spec / hub.add_signature / ModuleSpec.export.
    This writes what they wrote: a SavedModel whose single MetaGraphDef has an empty tag set,
    default attributes stripped, no SaverDef, and a "default" SignatureDef without a method name;
    the variables checkpoint; and tfhub_module.pb. "dense/kernel" is a VariableV2, as in modules
    exported before hub defaulted to resource variables, and "dense/bias" a resource variable.
    Expected outputs come from hub.load.
    """
    name = "hub_tf1_module"
    rng = _rng(name)
    path = workdir / name
    (path / "variables").mkdir(parents=True)
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        with tf.compat.v1.variable_scope("dense"):
            kernel = tf.compat.v1.get_variable("kernel", initializer=_normal(rng, 3, 4),
                                               use_resource=False)
            bias = tf.compat.v1.get_variable("bias", initializer=_normal(rng, 4),
                                             use_resource=True)
        hidden = tf.nn.relu(tf.matmul(x, kernel) + bias)
        y = tf.reduce_sum(hidden, axis=1, keepdims=True)
        tensor_info = tf.compat.v1.saved_model.utils.build_tensor_info
        meta_graph = tf.compat.v1.train.export_meta_graph(strip_default_attrs=True)
        meta_graph.signature_def["default"].CopyFrom(
            tf.compat.v1.saved_model.signature_def_utils.build_signature_def(
                inputs={"default": tensor_info(x)},
                outputs={"default": tensor_info(y), "hidden": tensor_info(hidden)}))
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(sess, str(path / "variables" / "variables"),
                                        write_meta_graph=False, write_state=False)
    saved_model = saved_model_pb2.SavedModel(saved_model_schema_version=1, meta_graphs=[meta_graph])
    (path / "saved_model.pb").write_bytes(saved_model.SerializeToString())
    (path / "tfhub_module.pb").write_bytes(_HUB_MODULE_DEF_V3)
    return _saved_model_case(name, path, {"default": _normal(rng, 2, 3)}, flags=HUB_FLAGS,
                             signature="default", load=hub.load)


def build_hub_tf2_dir(workdir: pathlib.Path) -> ModelCase:
    """TF2 SavedModel directory with a variable and only a "serving_default" signature."""
    name = "hub_tf2_dir"
    rng = _rng(name)
    module = _module(w=tf.Variable(_normal(rng, 3, 2)))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def serve(x):
        return {"embedding": tf.math.l2_normalize(tf.matmul(x, module.w), axis=1)}

    return _save_tf2(workdir, name, module, {"x": _normal(rng, 2, 3)},
                     signatures={SERVING_DEFAULT: serve}, flags=HUB_FLAGS, load=hub.load)


BUILDERS: dict[str, Callable[[pathlib.Path], ModelCase]] = {
    "tf1_saved_model": build_tf1_saved_model,
    "tf2_variables": build_tf2_variables,
    "autograph_if": build_autograph_if,
    "nested_while": build_nested_while,
    "tensor_array_loop": build_tensor_array_loop,
    "hash_table": build_hash_table,
    "conv_bn_relu": build_conv_bn_relu,
    "depthwise_conv": build_depthwise_conv,
    "dict_outputs": build_dict_outputs,
    "mixed_dtypes": build_mixed_dtypes,
    "wide_dtypes": build_wide_dtypes,
    "frozen_graph": build_frozen_graph,
    "hub_tf1_module": build_hub_tf1_module,
    "hub_tf2_dir": build_hub_tf2_dir,
}


def build(name: str, workdir: pathlib.Path) -> ModelCase:
    """Builds case `name` under `workdir`, creating directories as needed."""
    return BUILDERS[name](pathlib.Path(workdir))
