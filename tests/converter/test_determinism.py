"""Same input and flags: byte-identical files, whatever the process, directory or hash seed."""

import os
import subprocess
import sys

import keras
import pytest

from tests.converter import model_zoo, tfjs
from tests.converter.test_keras_graph import _functional

CASES = ("conv_bn_relu", "hash_table", "nested_while", "dict_outputs", "tensor_array_loop")


def _convert_elsewhere(case, output_dir, cwd, hash_seed):
    subprocess.run(
        [sys.executable, "-m", "tools.converter", *case.flags, case.input_path, str(output_dir)],
        check=True, capture_output=True, cwd=cwd,
        env={"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin",
             "PYTHONHASHSEED": hash_seed})


def _files(directory):
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


def _keras_case(tmp_path, output_format):
    """The Keras 3 functional test model (LSTM, nested models) as a .keras file."""
    keras.utils.set_random_seed(0)
    path = tmp_path / "models" / "functional.keras"
    path.parent.mkdir(parents=True)
    _functional(keras).save(str(path))
    return model_zoo.ModelCase("functional", str(path), (
        "--input_format=keras_keras", f"--output_format={output_format}"), {}, {})


@pytest.mark.parametrize("name", CASES + ("keras_to_layers", "keras_to_graph"))
def test_two_conversions_are_byte_identical(name, tmp_path):
    if name.startswith("keras_to_"):
        case = _keras_case(tmp_path, f"tfjs_{name.removeprefix('keras_to_')}_model")
    else:
        case = model_zoo.build(name, tmp_path / "models")
    first = tmp_path / "a"
    second = tmp_path / "deeper" / "other name"
    _convert_elsewhere(case, first, tmp_path, "1")
    _convert_elsewhere(case, second, "/", "2")
    first_files, second_files = _files(first), _files(second)
    assert list(first_files) == list(second_files)
    for file_name, data in first_files.items():
        assert data == second_files[file_name], f"{file_name} differs between runs"
    model_json = first_files["model.json"].decode()
    assert str(tmp_path) not in model_json and case.input_path not in model_json


def _tree(directory):
    return {str(path.relative_to(directory)): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("module, args", [
    ("models.mobilenet_saved_model", []),
    ("tests.e2e_support.make_models", ["loop_saved_model"]),
])
def test_build_steps_that_write_saved_models_write_the_same_bytes(module, args, tmp_path):
    """The demo's and the e2e tests' model-writing actions: if two runs differed, every
    conversion of their output would miss the remote cache in a second checkout."""
    written = []
    for run, hash_seed in (("a", "1"), ("b", "2")):
        subprocess.run([sys.executable, "-m", module, *args, str(tmp_path / run / "model")],
                       check=True, capture_output=True, cwd=tfjs.REPO_ROOT,
                       env={"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin",
                            "PYTHONHASHSEED": hash_seed})
        written.append(_tree(tmp_path / run / "model"))
    assert "saved_model.pb" in written[0] and "fingerprint.pb" in written[0]
    assert list(written[0]) == list(written[1])
    for name, data in written[0].items():
        assert data == written[1][name], f"{name} differs between runs"


_TWICE = """
import sys
from tools.converter import tf_import
tf_import.import_tensorflow()
from tools.converter import cli
*flags, input_path, output = sys.argv[1:]
for run in ("1", "2"):
    status, message = cli.run_command([*flags, input_path, output + run])
    assert status == 0, message
"""


@pytest.mark.parametrize("source", ["keras", "layers_model"])
def test_a_traced_model_converted_twice_in_one_process_gives_the_same_bytes(tmp_path, source):
    """The persistent worker converts model after model in one process, where tracing names
    loops and captured tensors after process-wide counters: those must not reach the output."""
    case = _keras_case(tmp_path, "tfjs_graph_model")
    flags, input_path = case.flags, case.input_path
    if source == "layers_model":
        _convert_elsewhere(_keras_case(tmp_path / "layers", "tfjs_layers_model"),
                           tmp_path / "layers_model", tmp_path, "0")
        flags = ("--input_format=tfjs_layers_model", "--output_format=tfjs_graph_model")
        input_path = str(tmp_path / "layers_model" / "model.json")
    subprocess.run([sys.executable, "-c", _TWICE, *flags, input_path, str(tmp_path / "out")],
                   check=True, capture_output=True, cwd=tfjs.REPO_ROOT,
                   env={"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin"})
    first, second = _files(tmp_path / "out1"), _files(tmp_path / "out2")
    assert "___redundant_placeholder" in first["model.json"].decode()
    assert first == second
