"""Test helpers: the converter's real command line, and the real TF.js running its output."""

import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
JS_DIR = REPO_ROOT / "tests" / "js"
NODE_MODULES = REPO_ROOT / "tools" / "js" / "node_modules"  # the pinned TF.js


def convert(input_path, output_dir, *flags, check=True, cwd=REPO_ROOT, env=None):
    """Runs ``python -m tools.converter`` in a fresh process, with ``env`` (a dict) added to its
    minimal environment; returns the CompletedProcess."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.converter", *flags, str(input_path), str(output_dir)],
        capture_output=True, text=True, cwd=cwd, check=False,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"conversion failed ({result.returncode}): {result.stderr}")
    return result


def _js_spec(value: np.ndarray):
    """A numpy array as the runner's {dtype, shape, values}."""
    value = np.asarray(value)
    if value.dtype == object or value.dtype.kind in "SU":
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in value.reshape(-1)]
        return {"dtype": "string", "shape": list(value.shape), "values": values}
    dtype = {"f": "float32", "i": "int32", "u": "int32", "b": "bool"}[value.dtype.kind]
    return {"dtype": dtype, "shape": list(value.shape), "values": value.reshape(-1).tolist()}


def request(inputs, outputs=None, predict=False, backend="cpu", layers=False):
    """The runner's REQUEST for ``inputs`` ({name: array}); see run_graph_model.js."""
    built = {"inputs": {k: _js_spec(v) for k, v in inputs.items()}, "predict": predict,
             "backend": backend, "layers": layers}
    if outputs is not None:
        built["outputs"] = list(outputs)
    return built


def _node_runner(arguments, payload, failure):
    """Runs run_graph_model.js with ARGUMENTS, then the files it reads PAYLOAD from and writes
    its answer to; returns the answer, or raises AssertionError(FAILURE + Node's stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        payload_file, answer_file = pathlib.Path(tmp, "in.json"), pathlib.Path(tmp, "out.json")
        payload_file.write_text(json.dumps(payload))
        proc = subprocess.run(
            ["node", str(JS_DIR / "run_graph_model.js"), *arguments, str(payload_file),
             str(answer_file)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"{failure}: {proc.stderr}")
        return json.loads(answer_file.read_text())


def run(model_dir, inputs, outputs=None, predict=False, backend="cpu", layers=False):
    """Loads ``model_dir`` with @tensorflow/tfjs in Node and runs it on ``inputs``.

    Returns the runner's JSON: ``mode`` (execute or executeAsync) and ``outputs``.
    """
    return _node_runner([str(model_dir)], request(inputs, outputs, predict, backend, layers),
                        f"TF.js failed on {model_dir}")


def run_many(jobs):
    """Runs many models in one Node process: ``jobs`` is [{"dir", "request"}] with requests as
    ``request`` builds them. Returns, per job, the runner's JSON or {"error": TF.js's message}."""
    return _node_runner(["--batch"], jobs, "TF.js batch failed")


def as_array(output):
    """A runner output entry as a numpy array (strings as bytes objects)."""
    if output["dtype"] == "string":
        return np.array([v.encode() for v in output["values"]], dtype=object).reshape(
            output["shape"])
    return np.array(output["values"], dtype=output["dtype"]).reshape(output["shape"])


def assert_matches(actual, expected, key):
    """TF.js output ``actual`` equals TensorFlow's ``expected``: floats to 1e-5 rel + 1e-6 abs."""
    expected = np.asarray(expected)
    assert list(actual.shape) == list(expected.shape), f"{key}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6, err_msg=key)
    elif expected.dtype == object:
        assert actual.tolist() == expected.tolist(), key
    else:
        np.testing.assert_array_equal(actual, expected.astype(actual.dtype), err_msg=key)
