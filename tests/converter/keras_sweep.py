"""The layer sweep: every layer class TF.js 4.22 registers that Keras 3 or tf_keras also has, in
its default configuration and in the ones people use, saved as Keras 3 .keras, Keras 3 .h5 and
tf_keras .h5, converted to a layers model and to a graph model, run by TF.js and compared with
Keras's predictions.

usage: python -m tests.converter.keras_sweep [WORKDIR [CLASS...]]     (prints the table)
"""

import concurrent.futures
import dataclasses
import pathlib
import queue
import sys
import tempfile
import time

import numpy as np

from tests.converter import tfjs
from tests.converter.keras_support import keras_module, seeded_inputs
from tests.converter.worker_client import worker_process
from tools.converter.readers import keras_reader
from tools.converter.errors import one_line

SAVES = {  # name: (Keras, file suffix, --input_format)
    "keras3 .keras": ("keras3", ".keras", "keras_keras"),
    "keras3 .h5": ("keras3", ".h5", "keras"),
    "tf_keras .h5": ("tf_keras", ".h5", "keras"),
}
FORMATS = ("layers", "graph")
PASS, REFUSED, FAILED, NOT_APPLICABLE = "pass", "refused", "FAIL", "n/a"


def _seq(k, shape, *layers, name="x"):
    return k.Sequential([k.Input(shape, name=name), *layers])


def _two_inputs(k, shape, merge):
    a, b = k.Input(shape, name="a"), k.Input(shape, name="b")
    return k.Model([a, b], merge([a, b]))


def _functional_mask(k, masking, shape=(6,), name="tokens", bidirectional=False):
    """A functional model whose masking layer feeds a recurrent layer and a pooling: Keras 3
    writes the mask as nodes of its own."""
    x = k.Input(shape, name=name)
    masked = masking(x)
    recurrent = k.layers.LSTM(3, return_sequences=True)
    sequence = (k.layers.Bidirectional(recurrent) if bidirectional else recurrent)(masked)
    return k.Model(x, k.layers.GlobalAveragePooling1D()(sequence))


def _recurrent(cls):
    """Configurations of a recurrent layer class (LSTM, GRU, SimpleRNN)."""
    def layer(k, **kwargs):
        if cls == "GRU":
            kwargs.setdefault("reset_after", False)  # TF.js has no reset_after=True
        return getattr(k.layers, cls)(3, **kwargs)

    def with_state(k):
        x = k.Input((5, 2), name="x")
        outputs = layer(k, return_state=True)(x)
        return k.Model(x, list(outputs))

    return [
        ("default", lambda k: _seq(k, (5, 2), layer(k))),
        ("return_sequences", lambda k: _seq(k, (5, 2), layer(k, return_sequences=True))),
        ("return_state", with_state),
        ("go_backwards", lambda k: _seq(k, (5, 2), layer(k, go_backwards=True))),
        ("activation=relu", lambda k: _seq(k, (5, 2), layer(k, activation="relu"))),
        ("stacked", lambda k: _seq(k, (5, 2), layer(k, return_sequences=True), layer(k))),
        ("regularized, constrained", lambda k: _seq(k, (5, 2), layer(
            k, kernel_regularizer="l2", recurrent_constraint=k.constraints.MaxNorm(2.0),
            recurrent_initializer="orthogonal"))),
    ]


_ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
                "swish", "silu", "gelu", "hard_sigmoid", "linear", "relu6", "exponential",
                "log_softmax", "mish", "leaky_relu", "hard_silu")


def _merge(cls):
    return [("default", lambda k: _two_inputs(k, (4,), getattr(k.layers, cls)()))]


def _pooling(cls, shape):
    layer = lambda k, **kw: getattr(k.layers, cls)(pool_size=2, **kw)  # noqa: E731
    return [("default", lambda k: _seq(k, shape, layer(k))),
            ("padding=same, strides=1", lambda k: _seq(k, shape, layer(k, padding="same",
                                                                        strides=1)))]


def _global_pooling(cls, shape):
    layer = lambda k, **kw: getattr(k.layers, cls)(**kw)  # noqa: E731
    return [("default", lambda k: _seq(k, shape, layer(k))),
            ("keepdims", lambda k: _seq(k, shape, layer(k, keepdims=True)))]


def _rnn_cell(cell):
    return lambda k: _seq(k, (5, 2), k.layers.RNN(cell(k)))


CASES = {
    "Activation": [(name, lambda k, a=name: _seq(k, (4,), k.layers.Activation(a)))
                   for name in _ACTIVATIONS],
    "Add": _merge("Add"),
    "AlphaDropout": [("default", lambda k: _seq(k, (4,), k.layers.AlphaDropout(0.5)))],
    "Average": _merge("Average"),
    "AveragePooling1D": _pooling("AveragePooling1D", (6, 2)),
    "AveragePooling2D": _pooling("AveragePooling2D", (6, 6, 2)),
    "AveragePooling3D": _pooling("AveragePooling3D", (4, 4, 4, 2)),
    "BatchNormalization": [
        ("default", lambda k: _seq(k, (6, 6, 3), k.layers.BatchNormalization())),
        ("center=False, scale=False", lambda k: _seq(k, (4,), k.layers.BatchNormalization(
            center=False, scale=False))),
        ("axis=1", lambda k: _seq(k, (3, 4), k.layers.BatchNormalization(axis=1)))],
    "Bidirectional": [
        (f"{cls} {mode}{' sequences' if sequences else ''}",
         lambda k, c=cls, m=mode, s=sequences: _seq(k, (5, 2), k.layers.Bidirectional(
             getattr(k.layers, c)(3, return_sequences=s,
                                  **({"reset_after": False} if c == "GRU" else {})),
             merge_mode=m)))
        for cls in ("LSTM", "GRU", "SimpleRNN") for mode, sequences in (
            ("concat", False), ("concat", True), ("sum", True), ("ave", False), ("mul", False))],
    "CategoryEncoding": [
        (mode, lambda k, m=mode: _seq(k, (3,), k.layers.CategoryEncoding(20, output_mode=m),
                                      name="tokens")) for mode in ("multi_hot", "count")],
    "CenterCrop": [("default", lambda k: _seq(k, (6, 6, 2), k.layers.CenterCrop(4, 3)))],
    "Concatenate": _merge("Concatenate") + [
        ("axis=1", lambda k: _two_inputs(k, (2, 3), k.layers.Concatenate(axis=1)))],
    "Conv1D": [
        ("default", lambda k: _seq(k, (8, 2), k.layers.Conv1D(3, 3))),
        ("same, strides=2, relu", lambda k: _seq(k, (8, 2), k.layers.Conv1D(
            3, 3, strides=2, padding="same", activation="relu"))),
        ("causal, dilation=2", lambda k: _seq(k, (8, 2), k.layers.Conv1D(
            3, 2, padding="causal", dilation_rate=2)))],
    "Conv2D": [
        ("default", lambda k: _seq(k, (6, 6, 2), k.layers.Conv2D(3, 3))),
        ("same, strides=2, no bias", lambda k: _seq(k, (6, 6, 2), k.layers.Conv2D(
            3, 3, strides=2, padding="same", use_bias=False))),
        ("channels_first", lambda k: _seq(k, (2, 6, 6), k.layers.Conv2D(
            3, 3, data_format="channels_first"))),
        ("dilation=2, regularized", lambda k: _seq(k, (7, 7, 2), k.layers.Conv2D(
            3, 3, dilation_rate=2, kernel_regularizer=k.regularizers.l1_l2(0.1, 0.1),
            kernel_constraint=k.constraints.MaxNorm(1.5), bias_initializer="ones")))],
    "Conv2DTranspose": [
        ("default", lambda k: _seq(k, (4, 4, 2), k.layers.Conv2DTranspose(3, 3))),
        ("same, strides=2", lambda k: _seq(k, (4, 4, 2), k.layers.Conv2DTranspose(
            3, 3, strides=2, padding="same")))],
    "Conv3D": [("default", lambda k: _seq(k, (4, 4, 4, 2), k.layers.Conv3D(3, 2)))],
    "Conv3DTranspose": [("default", lambda k: _seq(k, (3, 3, 3, 2),
                                                  k.layers.Conv3DTranspose(3, 2)))],
    "ConvLSTM2D": [
        ("default", lambda k: _seq(k, (3, 5, 5, 2), k.layers.ConvLSTM2D(2, 3))),
        ("return_sequences, same", lambda k: _seq(k, (3, 5, 5, 2), k.layers.ConvLSTM2D(
            2, 3, padding="same", return_sequences=True)))],
    "Cropping2D": [("default", lambda k: _seq(k, (6, 6, 2), k.layers.Cropping2D(((1, 0),
                                                                                 (1, 2)))))],
    "Dense": [
        ("default", lambda k: _seq(k, (4,), k.layers.Dense(3))),
        ("relu, regularized, constrained", lambda k: _seq(k, (4,), k.layers.Dense(
            3, activation="relu", kernel_regularizer="l2", bias_regularizer="l1",
            kernel_constraint=k.constraints.UnitNorm(), bias_constraint=k.constraints.NonNeg(),
            kernel_initializer="he_uniform"))),
        ("on a sequence, no bias", lambda k: _seq(k, (5, 4), k.layers.Dense(3, use_bias=False))),
        ("dtype=float64", lambda k: _seq(k, (4,), k.layers.Dense(3, dtype="float64")))],
    "DepthwiseConv2D": [
        ("default", lambda k: _seq(k, (6, 6, 2), k.layers.DepthwiseConv2D(3))),
        ("depth_multiplier=2, same, relu", lambda k: _seq(k, (6, 6, 2), k.layers.DepthwiseConv2D(
            3, depth_multiplier=2, padding="same", activation="relu")))],
    "Dot": [("axes=1", lambda k: _two_inputs(k, (4,), k.layers.Dot(axes=1))),
            ("normalize", lambda k: _two_inputs(k, (4,), k.layers.Dot(axes=1, normalize=True)))],
    "Dropout": [("default", lambda k: _seq(k, (4,), k.layers.Dropout(0.5)))],
    "ELU": [("default", lambda k: _seq(k, (4,), k.layers.ELU())),
            ("alpha=0.5", lambda k: _seq(k, (4,), k.layers.ELU(alpha=0.5)))],
    "Embedding": [
        ("default", lambda k: _seq(k, (6,), k.layers.Embedding(20, 4), name="tokens")),
        ("mask_zero into LSTM", lambda k: _seq(k, (6,), k.layers.Embedding(20, 4, mask_zero=True),
                                               k.layers.LSTM(3), name="tokens")),
        ("functional, mask_zero into LSTM", lambda k: _functional_mask(k, k.layers.Embedding(
            20, 4, mask_zero=True))),
        ("mask_zero into GRU sequences", lambda k: _seq(
            k, (6,), k.layers.Embedding(20, 4, mask_zero=True),
            k.layers.GRU(3, return_sequences=True, reset_after=False), name="tokens"))],
    "Flatten": [("default", lambda k: _seq(k, (3, 4, 2), k.layers.Flatten())),
                ("channels_first", lambda k: _seq(k, (3, 4, 2), k.layers.Flatten(
                    data_format="channels_first")))],
    "GRU": _recurrent("GRU"),
    "GRUCell": [("in RNN", _rnn_cell(lambda k: k.layers.GRUCell(3, reset_after=False)))],
    "GaussianDropout": [("default", lambda k: _seq(k, (4,), k.layers.GaussianDropout(0.3)))],
    "GaussianNoise": [("default", lambda k: _seq(k, (4,), k.layers.GaussianNoise(0.3)))],
    "GlobalAveragePooling1D": _global_pooling("GlobalAveragePooling1D", (5, 3)),
    "GlobalAveragePooling2D": _global_pooling("GlobalAveragePooling2D", (4, 4, 3)),
    "GlobalMaxPooling1D": _global_pooling("GlobalMaxPooling1D", (5, 3)),
    "GlobalMaxPooling2D": _global_pooling("GlobalMaxPooling2D", (4, 4, 3)),
    "Identity": [("default", lambda k: _seq(k, (4,), k.layers.Identity(), k.layers.Dense(2)))],
    "InputLayer": [("default", lambda k: k.Sequential([k.layers.InputLayer((4,), name="x"),
                                                       k.layers.Dense(2)]))],
    "LSTM": _recurrent("LSTM"),
    "LSTMCell": [("in RNN", _rnn_cell(lambda k: k.layers.LSTMCell(3)))],
    "LayerNormalization": [
        ("default", lambda k: _seq(k, (5, 4), k.layers.LayerNormalization())),
        ("axis=[1, 2]", lambda k: _seq(k, (3, 4), k.layers.LayerNormalization(axis=[1, 2])))],
    "LeakyReLU": [("default", lambda k: _seq(k, (4,), k.layers.LeakyReLU()))],
    "Masking": [("into LSTM", lambda k: _seq(k, (5, 2), k.layers.Masking(0.0),
                                             k.layers.LSTM(3))),
                ("functional, into Bidirectional LSTM", lambda k: _functional_mask(
                    k, k.layers.Masking(0.0), shape=(5, 2), name="x", bidirectional=True))],
    "MaxPooling1D": _pooling("MaxPooling1D", (6, 2)),
    "MaxPooling2D": _pooling("MaxPooling2D", (6, 6, 2)) + [
        ("channels_first", lambda k: _seq(k, (2, 6, 6), k.layers.MaxPooling2D(
            2, data_format="channels_first")))],
    "MaxPooling3D": _pooling("MaxPooling3D", (4, 4, 4, 2)),
    "Maximum": _merge("Maximum"),
    "Minimum": _merge("Minimum"),
    "Multiply": _merge("Multiply"),
    "PReLU": [("default", lambda k: _seq(k, (4, 4, 2), k.layers.PReLU())),
              ("shared_axes=[1, 2]", lambda k: _seq(k, (4, 4, 2), k.layers.PReLU(
                  shared_axes=[1, 2])))],
    "Permute": [("default", lambda k: _seq(k, (2, 3, 4), k.layers.Permute((3, 1, 2))))],
    "RNN": [("SimpleRNNCell", _rnn_cell(lambda k: k.layers.SimpleRNNCell(3))),
            ("StackedRNNCells", _rnn_cell(lambda k: k.layers.StackedRNNCells(
                [k.layers.SimpleRNNCell(3), k.layers.LSTMCell(2)])))],
    "RandomWidth": [("default", lambda k: _seq(k, (4, 4, 2), k.layers.RandomWidth(0.2)))],
    "ReLU": [("default", lambda k: _seq(k, (4,), k.layers.ReLU())),
             ("max_value, negative_slope, threshold", lambda k: _seq(k, (4,), k.layers.ReLU(
                 max_value=1.0, negative_slope=0.1, threshold=0.2)))],
    "RepeatVector": [("default", lambda k: _seq(k, (4,), k.layers.RepeatVector(3)))],
    "Rescaling": [("default", lambda k: _seq(k, (4,), k.layers.Rescaling(1 / 255, offset=-1)))],
    "Reshape": [("default", lambda k: _seq(k, (12,), k.layers.Reshape((3, 4)))),
                ("-1", lambda k: _seq(k, (12,), k.layers.Reshape((-1, 2))))],
    "Resizing": [(mode, lambda k, m=mode: _seq(k, (4, 4, 2), k.layers.Resizing(6, 5,
                                                                             interpolation=m)))
                 for mode in ("bilinear", "nearest")],
    "SeparableConv2D": [
        ("default", lambda k: _seq(k, (6, 6, 2), k.layers.SeparableConv2D(3, 3))),
        ("depth_multiplier=2, same", lambda k: _seq(k, (6, 6, 2), k.layers.SeparableConv2D(
            3, 3, depth_multiplier=2, padding="same")))],
    "SimpleRNN": _recurrent("SimpleRNN"),
    "SimpleRNNCell": [("in RNN", _rnn_cell(lambda k: k.layers.SimpleRNNCell(3)))],
    "Softmax": [("default", lambda k: _seq(k, (4,), k.layers.Softmax()))],
    "SpatialDropout1D": [("default", lambda k: _seq(k, (5, 3), k.layers.SpatialDropout1D(0.5)))],
    "StackedRNNCells": [("in RNN", _rnn_cell(lambda k: k.layers.StackedRNNCells(
        [k.layers.GRUCell(3, reset_after=False), k.layers.GRUCell(2, reset_after=False)])))],
    "ThresholdedReLU": [("default", lambda k: _seq(k, (4,), k.layers.ThresholdedReLU(0.5)))],
    "TimeDistributed": [
        (f"{name}", lambda k, b=build: _seq(k, (3, 5, 2), k.layers.TimeDistributed(b(k))))
        for name, build in (("Dense", lambda k: k.layers.Dense(3)),
                            ("LSTM", lambda k: k.layers.LSTM(2)),
                            ("GRU", lambda k: k.layers.GRU(2, reset_after=False)),
                            ("SimpleRNN", lambda k: k.layers.SimpleRNN(2)),
                            ("Conv1D", lambda k: k.layers.Conv1D(2, 2)))],
    "UpSampling2D": [(mode, lambda k, m=mode: _seq(k, (3, 3, 2), k.layers.UpSampling2D(
        2, interpolation=m))) for mode in ("nearest", "bilinear")],
    "ZeroPadding2D": [("default", lambda k: _seq(k, (3, 3, 2), k.layers.ZeroPadding2D(
        ((1, 0), (2, 1)))))],
}


@dataclasses.dataclass
class Result:
    """One cell's worth: a configuration of a class, saved one way, converted to one format."""
    cls: str
    config: str
    save: str
    format: str
    outcome: str
    detail: str = ""


def _randomise(model, rng):
    """Seeded random weights, as training would leave them: variances positive, constraints met."""
    for variable in model.weights:
        current = variable.numpy()
        value = (rng.uniform(0.5, 1.5, current.shape) if "variance" in variable.name
                 else rng.uniform(-1.0, 1.0, current.shape))
        variable.assign(value.astype(current.dtype))
        constraint = getattr(variable, "constraint", None)
        if constraint is not None:
            variable.assign(constraint(variable))


def _predictions(model, inputs):
    """Keras's outputs, in the model's order."""
    outputs = model.predict([inputs[t.name.split(":")[0]] for t in model.inputs], verbose=0)
    return outputs if isinstance(outputs, list) else [outputs]


@dataclasses.dataclass
class _Model:
    cls: str
    config: str
    save: str
    path: pathlib.Path
    inputs: dict
    expected: list
    output_names: list


def _described(error):
    return f"{type(error).__name__}: {one_line(error)}"


def _build_all(workdir, classes, results):
    """Builds, randomises, saves each case of CLASSES with each Keras; yields the saved _Models
    as they are saved. Cases Keras itself cannot build, save or run are n/a results."""
    for cls in classes:
        configs = CASES[cls]
        for index, (config, build) in enumerate(configs):
            for version in ("keras3", "tf_keras"):
                k = keras_module(version)
                saves = [s for s, (v, _, _) in SAVES.items() if v == version]
                rng = np.random.default_rng(index)
                try:
                    k.utils.set_random_seed(index)
                    model = build(k)
                    _randomise(model, rng)
                    inputs = seeded_inputs(model, rng)
                    expected = _predictions(model, inputs)
                except Exception as e:  # pylint: disable=broad-except
                    results.extend(Result(cls, config, s, f, NOT_APPLICABLE, _described(e))
                                   for s in saves for f in FORMATS)
                    continue
                for save in saves:
                    path = workdir / f"{cls}-{index}-{save.replace(' ', '').replace('.', '_')}"
                    path = path.with_suffix(SAVES[save][1])
                    try:
                        model.save(str(path))
                    except Exception as e:  # pylint: disable=broad-except
                        results.extend(Result(cls, config, save, f, NOT_APPLICABLE,
                                              f"Keras cannot save it: {_described(e)}")
                                       for f in FORMATS)
                        continue
                    yield _Model(cls, config, save, path, inputs, expected,
                                 keras_reader.output_names(model))


def _keras_loads(model):
    try:
        keras_module(SAVES[model.save][0]).models.load_model(str(model.path), compile=False)
    except Exception:  # pylint: disable=broad-except
        return False
    return True


def _compare(expected, ran):
    """'' if TF.js's outputs (in the model's order) match Keras's, else what differs."""
    if "error" in ran:
        return f"TF.js: {ran['error']}"
    outputs = ran["ordered"]
    if len(outputs) != len(expected):
        return f"{len(outputs)} outputs, Keras has {len(expected)}"
    for number, (want, got) in enumerate(zip(expected, map(tfjs.as_array, outputs))):
        if got.shape != want.shape:
            return f"output {number}: shape {got.shape} != {want.shape}"
        if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
            return f"output {number}: differs by up to {np.max(np.abs(got - want)):.3g}"
    return ""


_WORKERS = 2  # converter workers run side by side (conversions are most of the sweep's time)


def _convert_as_built(models, workdir):
    """Converts each _Model of the iterable MODELS to both formats in converter workers as soon
    as it is built (building, in this thread, overlaps converting); returns (model, output
    format, output dir, WorkResponse) in MODELS' order."""
    jobs = queue.Queue()

    def convert_share():
        done = []
        with worker_process() as worker:
            while (job := jobs.get()) is not None:
                number, model, output_format, out = job
                done.append((number, model, output_format, out, worker.request(number, [
                    f"--input_format={SAVES[model.save][2]}",
                    f"--output_format=tfjs_{output_format}_model", model.path, out])))
        return done

    with concurrent.futures.ThreadPoolExecutor(_WORKERS) as pool:
        shares = [pool.submit(convert_share) for _ in range(_WORKERS)]
        try:
            number = 0
            for model in models:
                for output_format in FORMATS:
                    out = workdir / "web" / f"{model.path.name}-{output_format}"
                    jobs.put((number, model, output_format, out))
                    number += 1
        finally:
            for _ in shares:
                jobs.put(None)
        done = [job for share in shares for job in share.result()]
    return [job[1:] for job in sorted(done, key=lambda job: job[0])]


def _outcome(model, output_format, response):
    """The Result of a failed conversion: n/a, a clear refusal of a TF.js limit, or a failure."""
    message = response["output"].strip().splitlines()
    error = [line for line in message if line.startswith("tfjs_converter: error:")]
    if not _keras_loads(model):
        return Result(model.cls, model.config, model.save, output_format, NOT_APPLICABLE,
                      "Keras cannot load its own file")
    if error and "internal error" not in error[0] and "TensorFlow.js" in error[0]:
        return Result(model.cls, model.config, model.save, output_format, REFUSED, error[0])
    return Result(model.cls, model.config, model.save, output_format, FAILED,
                  (error or message or ["no message"])[0])


def run(workdir, classes=tuple(CASES)):
    """Runs the sweep of CLASSES (default: all) in WORKDIR; returns the Results."""
    workdir = pathlib.Path(workdir)
    results = []
    jobs, pending = [], []
    for model, output_format, out, response in _convert_as_built(
            _build_all(workdir, classes, results), workdir):
        if response["exitCode"] != 0:
            results.append(_outcome(model, output_format, response))
            continue
        jobs.append({"dir": str(out), "request": tfjs.request(
            model.inputs, model.output_names if output_format == "graph" else None,
            layers=output_format == "layers")})
        pending.append((model, output_format))
    for (model, output_format), ran in zip(pending, tfjs.run_many(jobs)):
        difference = _compare(model.expected, ran)
        results.append(Result(model.cls, model.config, model.save, output_format,
                              FAILED if difference else PASS, difference))
    return results


def table(results):
    """The sweep as a Markdown table: class x (Keras, save) x format; each cell counts the
    configurations that pass, were refused (a TF.js limit, said clearly) or failed."""
    columns = [(save, f) for save in SAVES for f in FORMATS]
    lines = ["| class | " + " | ".join(f"{s} → {f}" for s, f in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    swept = {r.cls for r in results}
    for cls in (c for c in CASES if c in swept):
        cells = []
        for save, output_format in columns:
            outcomes = [r.outcome for r in results
                        if (r.cls, r.save, r.format) == (cls, save, output_format)]
            counts = {o: outcomes.count(o) for o in (PASS, REFUSED, FAILED, NOT_APPLICABLE)}
            cells.append(" ".join(f"{n} {o}" for o, n in counts.items() if n) or "-")
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    totals = {o: sum(r.outcome == o for r in results)
              for o in (PASS, REFUSED, FAILED, NOT_APPLICABLE)}
    lines.append("")
    lines.append(f"{len(results)} conversions: " + ", ".join(f"{n} {o}" for o, n in totals.items()))
    return "\n".join(lines)


def details(results):
    """One line per result that did not pass: what happened."""
    return "\n".join(f"{r.outcome}: {r.cls} [{r.config}] {r.save} -> {r.format}: {r.detail}"
                     for r in results if r.outcome != PASS)


def main():
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = run(workdir, sys.argv[2:] or tuple(CASES))
    print(table(results))
    print(details(results))
    print(f"sweep took {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
