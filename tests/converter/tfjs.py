"""Test helpers: the converter's real command line, and the real TF.js running its output."""

import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
JS_DIR = REPO_ROOT / "tests" / "js"


def convert(input_path, output_dir, *flags, check=True, cwd=REPO_ROOT):
    """Runs ``python -m tools.converter`` in a fresh process; returns the CompletedProcess."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.converter", *flags, str(input_path), str(output_dir)],
        capture_output=True, text=True, cwd=cwd, check=False,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    if check and result.returncode != 0:
        raise AssertionError(f"conversion failed ({result.returncode}): {result.stderr}")
    return result


def js_spec(value: np.ndarray):
    """A numpy array as the runner's {dtype, shape, values}."""
    value = np.asarray(value)
    if value.dtype == object or value.dtype.kind in "SU":
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in value.reshape(-1)]
        return {"dtype": "string", "shape": list(value.shape), "values": values}
    dtype = {"f": "float32", "i": "int32", "u": "int32", "b": "bool"}[value.dtype.kind]
    return {"dtype": dtype, "shape": list(value.shape), "values": value.reshape(-1).tolist()}


def run(model_dir, inputs, outputs=None, predict=False, backend="cpu", layers=False):
    """Loads ``model_dir`` with @tensorflow/tfjs in Node and runs it on ``inputs``.

    Returns the runner's JSON: ``mode`` (execute or executeAsync) and ``outputs``.
    """
    request = {"inputs": {k: js_spec(v) for k, v in inputs.items()}, "predict": predict,
               "backend": backend, "layers": layers}
    if outputs is not None:
        request["outputs"] = list(outputs)
    with tempfile.TemporaryDirectory() as tmp:
        request_file = pathlib.Path(tmp, "request.json")
        result_file = pathlib.Path(tmp, "result.json")
        request_file.write_text(json.dumps(request))
        proc = subprocess.run(
            ["node", str(JS_DIR / "run_graph_model.js"), str(model_dir), str(request_file),
             str(result_file)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"TF.js failed on {model_dir}: {proc.stderr}")
        return json.loads(result_file.read_text())


def run_many(jobs):
    """Runs many models in one Node process: ``jobs`` is [{"dir", "request"}] with requests as
    ``run`` builds them. Returns, per job, the runner's JSON or {"error": TF.js's message}."""
    with tempfile.TemporaryDirectory() as tmp:
        jobs_file, results_file = pathlib.Path(tmp, "jobs.json"), pathlib.Path(tmp, "results.json")
        jobs_file.write_text(json.dumps(jobs))
        proc = subprocess.run(
            ["node", str(JS_DIR / "run_graph_model.js"), "--batch", str(jobs_file),
             str(results_file)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"TF.js batch failed: {proc.stderr}")
        return json.loads(results_file.read_text())


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
