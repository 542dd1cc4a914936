"""tools/reference_outputs: TensorFlow's outputs of the model zoo's source models, inputs given
or drawn, and its one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.converter import model_zoo
from tests.converter.tfjs import REPO_ROOT

_FLAGS = ("--input_format=", "--signature_name=", "--saved_model_tags=", "--output_node_names=")


def _reference(model, output, *flags):
    return subprocess.run(
        [sys.executable, "-m", "tools.reference_outputs", *flags, str(model), str(output)],
        capture_output=True, text=True, cwd=REPO_ROOT, check=False,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("name", sorted(model_zoo.BUILDERS))
def test_given_inputs_give_tensorflows_outputs(name, tmp_path):
    case = model_zoo.build(name, tmp_path)
    flags = [f for f in case.flags if f.startswith(_FLAGS)]
    for key, value in case.inputs.items():
        value = np.asarray(value)  # strings as bytes: .npy files hold no Python objects
        np.save(tmp_path / f"{key}.npy", value.astype("S") if value.dtype == object else value)
        flags.append(f"--input={key}={tmp_path / key}.npy")
    result = _reference(case.input_path, tmp_path / "reference.json", *flags)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "reference.json").read_text())
    assert sorted(document["outputs"]) == sorted(case.expected)
    for key, want in case.expected.items():
        got = document["outputs"][key]
        assert got["shape"] == list(np.shape(want)), key
        want = np.asarray(want)
        if want.dtype.kind in "OSU":
            assert got["values"] == [v.decode() if isinstance(v, bytes) else str(v)
                                     for v in want.reshape(-1)], key
        else:
            np.testing.assert_allclose(got["values"], want.reshape(-1).astype(float),
                                       rtol=1e-6, atol=1e-6, err_msg=key)


def test_drawn_inputs_follow_the_signature_and_the_seed(tmp_path):
    case = model_zoo.build("tf2_variables", tmp_path)
    runs = [_reference(case.input_path, tmp_path / f"{seed}-{i}.json", f"--seed={seed}")
            for seed, i in ((0, 0), (0, 1), (1, 0))]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    same, again, other = (tmp_path / n for n in ("0-0.json", "0-1.json", "1-0.json"))
    assert same.read_bytes() == again.read_bytes()
    assert same.read_bytes() != other.read_bytes()
    inputs = json.loads(same.read_text())["inputs"]
    assert {k: (v["dtype"], v["shape"][1:]) for k, v in inputs.items()} == {
        k: ("float32", list(v.shape[1:])) for k, v in case.inputs.items()}
    assert all(v["shape"][0] == 1 for v in inputs.values()), "an unknown batch dimension is 1"


@pytest.mark.parametrize("flags,message", [
    (["--input=nope=x.npy"], "'nope' is not an input of the model; its inputs: x"),
    (["--signature_name=nope"], "signature 'nope' does not exist; available signatures: "),
    (["--input=x=wrong.npy"], "input 'x' has shape [2]; the model takes [-1, "),
    (["--input=x=missing.npy"], "cannot read input file"),
])
def test_errors_are_one_line(flags, message, tmp_path):
    case = model_zoo.build("tf2_variables", tmp_path)
    np.save(tmp_path / "wrong.npy", np.zeros(2, "float32"))
    flags = [f.replace("=wrong.npy", f"={tmp_path}/wrong.npy") for f in flags]
    result = _reference(case.input_path, tmp_path / "out.json", *flags)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfjs_reference_outputs: error: "), result.stderr
    assert message in lines[0]
    assert not (tmp_path / "out.json").exists()
