"""PROTOTYPE (issue 14 groundwork): where does every weight of the final manifest come from?

Runs the conversions that tests/converter/test_no_behaviour_change.py lists (sources built with
its --build into DIR) with every stage and pass wrapped (monkeypatched, nothing in the pipeline is
edited) and classifies each extracted constant as
  passthrough: same dtype+bytes as a source tensor (variable value or source graph Const), maybe
               renamed / reshaped; or
  folded:      a value no source tensor has, attributed to the first step it appears after
               (grappler steps are re-run one optimizer at a time on the side to tell which).

    PYTHONPATH=. python bench/issue14/weight_origins.py DIR [name ...] > origins.json
"""

import hashlib
import json
import os
import pathlib
import sys

from tools.converter import tf_import
tf_import.import_tensorflow()  # before anything imports TensorFlow: it sets TF_ENABLE_ONEDNN_OPTS=0
import numpy as np
from tensorflow.python.framework import tensor_util

from tools.converter import cli, pipeline
from tools.converter.passes import freezer
from tools.converter.readers import keras_reader


def _digest(value):
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        data = repr(value.reshape(-1).tolist()).encode()
    else:
        data = np.ascontiguousarray(value).tobytes()
    return hashlib.sha1(value.dtype.str.encode() + b"|" + data).hexdigest()


def _consts(graph_def):
    """{name as extract_constants would call it: value} of the Consts of ``graph_def``."""
    if graph_def is None:
        return {}
    found = {n.name: n for n in graph_def.node if n.op == "Const"}
    for f in graph_def.library.function:
        for n in f.node_def:
            if n.op == "Const":
                found[f"{f.signature.name}/{n.name}"] = n
    return {k: tensor_util.MakeNdarray(n.attr["value"].tensor) for k, n in found.items()}


class Recorder:
    def __init__(self):
        self.sources = {}     # digest -> [(kind, name, shape)]
        self.steps = []       # (step name, {name: digest}) in order
        self.first_seen = {}  # digest -> step name where it first appeared
        self.side = {}        # digest -> individual grappler optimizer that made it
        self.keras_weights = None
        self.sources_values = {}
        self.pending = []

    def add_source(self, kind, name, value):
        d = _digest(value)
        self.sources.setdefault(d, []).append((kind, name, list(np.shape(value))))
        self.sources_values[d] = np.asarray(value)

    def snapshot(self, step, c):
        table = {}
        consts = _consts(c.graph_def)
        if c.initializer is not None:
            consts.update({"[init]" + k: v for k, v in _consts(c.initializer).items()})
        if c.tables is not None:
            consts.update({"[init]" + k: v for k, v in _consts(c.tables.initializer).items()})
        for name, value in consts.items():
            d = _digest(value)
            table[name] = d
            self.first_seen.setdefault(d, step)
        self.steps.append((step, table))


REC = None


def _wrap_stage(name, stage):
    def run(c):
        stage(c)
        if name == "read":
            src = c.source
            for k, v in (src.variable_values or {}).items():
                REC.add_source("variable", k, v)
            for k, v in _consts(src.graph_def).items():
                REC.add_source("graph_const", k, v)
            if src.initializer is not None:
                for k, v in (src.initializer.variable_values or {}).items():
                    REC.add_source("init_variable", k, v)
                for k, v in _consts(src.initializer.graph_def).items():
                    REC.add_source("init_graph_const", k, v)
        if name not in ("canonicalise", "write", "check ops"):
            REC.snapshot("stage:" + name, c)
    return run


def _side_grappler(graph_def, fetch, optimizers, label):
    """Re-runs the optimizers one at a time to see which makes which constant (side only)."""
    g = graph_def
    for i, opt in enumerate(optimizers):
        try:
            g = freezer.run_grappler(g, fetch, [opt])
        except Exception as e:  # pylint: disable=broad-except
            return
        for k, v in _consts(g).items():
            d = _digest(v)
            REC.side.setdefault(d, f"{label}#{i}:{opt}")


def _wrap_pass(name, run_pass, c_holder):
    def run(graph_def, c):
        before = graph_def.__deepcopy__() if hasattr(graph_def, "__deepcopy__") else None
        out = run_pass(graph_def, c)
        if name.startswith("grappler: prune"):
            debug = ("debug_stripper",) if c.options.strip_debug_ops else ()
            REC.pending.append((before, list(c.fetch), debug + pipeline._GENERIC_GRAPPLER,
                                "generic"))
        elif name.startswith("grappler: fuse"):
            b = before
            for node in b.node:
                node.device = "/device:CPU:0"
            REC.pending.append((b, list(c.fetch), pipeline._FUSION_GRAPPLER, "fusion"))
        saved = c.graph_def
        c.graph_def = out
        REC.snapshot("pass:" + name, c)
        c.graph_def = saved
        return out
    return run


def _install():
    pipeline.GRAPH_STAGES = tuple((n, _wrap_stage(n, s)) for n, s in pipeline.GRAPH_STAGES)
    pipeline.OPTIMIZATION_PASSES = tuple((n, _wrap_pass(n, p, None))
                                         for n, p in pipeline.OPTIMIZATION_PASSES)
    pipeline.LEGALIZATION_PASSES = tuple((n, _wrap_pass(n, p, None))
                                         for n, p in pipeline.LEGALIZATION_PASSES)
    real_trace = keras_reader.trace

    def trace(model):
        REC.keras_weights = [(w.path if hasattr(w, "path") else w.name, w.numpy())
                             for w in model.weights]
        for k, v in REC.keras_weights:
            REC.add_source("keras_weight", k, v)
        return real_trace(model)
    keras_reader.trace = trace
    real_canon = pipeline.canonicalise

    def canonicalise(c):
        real_canon(c)
        REC.final = list(c.constants)
    pipeline.GRAPH_STAGES = tuple((n, canonicalise if n == "canonicalise" else s)
                                  for n, s in pipeline.GRAPH_STAGES)
    real_layers = pipeline.write_layers_model

    def write_layers(c):
        REC.final = [(w.name, w.value) for w in c.stored_weights]
        real_layers(c)
    pipeline.LAYERS_STAGES = tuple((n, write_layers if n == "write" else s)
                                   for n, s in pipeline.LAYERS_STAGES)


def _kind_of_fold(value, rec):
    """A guess at what made a folded value, from its relation to the source tensors."""
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        return "string?"
    flat_sorted = None
    for digest, entries in rec.sources_values.items():
        src = entries
        if src.size != value.size or src.dtype.kind in "OSU":
            continue
        try:
            if src.dtype != value.dtype and np.array_equal(src.reshape(-1).astype(value.dtype),
                                                           value.reshape(-1)):
                return "cast"
        except (TypeError, ValueError):
            pass
        if src.dtype == value.dtype and src.size > 1:
            if flat_sorted is None:
                flat_sorted = np.sort(value.reshape(-1))
            if np.array_equal(np.sort(src.reshape(-1)), flat_sorted):
                return "permutation(transpose)"
    return "arithmetic"


def classify(name, flags, input_path, out_dir):
    global REC
    REC = Recorder()
    REC.final = []
    status, message = cli.run_command([*flags, input_path, str(out_dir)])
    assert status == 0, message
    rec = REC
    # After the conversion: grappler runs change what later grappler runs in the process do.
    for args in rec.pending:
        _side_grappler(*args)
    # keep the source values for the fold-kind guesses (small models only)
    result = []
    for wname, value in rec.final:
        value = np.asarray(value)
        d = _digest(value)
        entry = {"name": wname, "dtype": str(value.dtype), "shape": list(value.shape),
                 "bytes": int(value.nbytes) if value.dtype.kind not in "OSU" else None}
        if d in rec.sources:
            kinds = rec.sources[d]
            entry["origin"] = "passthrough"
            entry["source"] = kinds[0]
            names = {k[1] for k in kinds}
            if wname not in names and wname.replace("[init]", "") not in names:
                # which step first shows the final name with these bytes
                where = next((s for s, t in rec.steps if t.get(wname) == d), "canonicalise")
                entry["renamed_at"] = where
            if list(value.shape) != kinds[0][2]:
                entry["reshaped"] = kinds[0][2]
        else:
            entry["origin"] = "folded"
            entry["step"] = rec.first_seen.get(d, "writer/canonicalise")
            entry["grappler_optimizer"] = rec.side.get(d)
            entry["kind"] = _kind_of_fold(value, rec)
        result.append(entry)
    return result, rec


def main():
    workdir = pathlib.Path(sys.argv[1])
    only = set(sys.argv[2:])
    listed = json.loads((workdir / "conversions.json").read_text())
    expected = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests" / "converter"
                           / "testdata" / "output_hashes.json").read_text())
    _install()
    report = {}
    for name, input_path, flags in listed:
        if only and name not in only:
            continue
        out = workdir / "out" / name
        if "->layers->graph" in name:
            # its input is the layers model an earlier conversion wrote under DIR/out
            pass
        result, rec = classify(name, flags, input_path.replace("/out/", "/out/"), out)
        hashes = {f: hashlib.sha256((out / f).read_bytes()).hexdigest()
                  for f in sorted(os.listdir(out))}
        report[name] = {"weights": result, "same_bytes_as_recorded": hashes == expected.get(name)}
        # source values for fold kinds
        srcvals = {}
        print(name, len(result), file=sys.stderr)
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
