"""A command-line conversion of a SavedModel or a frozen graph imports TensorFlow lean (without
its public API) and writes the bytes a process with the whole of TensorFlow writes."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from tests.converter import model_zoo
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# Runs the command line as `python -m tools.converter` does (after importing the whole of
# TensorFlow first if argv[1] is "whole"), then reports what it imported.
_COMMAND_LINE = """
import json, sys
if sys.argv[1] == "whole":
    from tools.converter import tf_import
    tf_import.import_tensorflow()
from tools.converter import cli
status = cli.main(["tfjs_converter", *sys.argv[2:]])
print(json.dumps({"status": status,
                  "public_api": hasattr(sys.modules["tensorflow"], "constant")}))
"""


def _command_line(*args, whole=False):
    # A process of its own: building models changes what grappler's remapper does in this one.
    ran = subprocess.run([sys.executable, "-c", _COMMAND_LINE, "whole" if whole else "lean",
                          *args], check=False,
                         capture_output=True, text=True, cwd=REPO_ROOT,
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert ran.returncode == 0, ran.stderr[-2000:]
    return json.loads(ran.stdout.splitlines()[-1])


def _files(directory):
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


@pytest.mark.parametrize("name", ["frozen_graph", "hash_table", "nested_while"])
def test_lean_command_line_writes_the_bytes_of_a_whole_import(name, tmp_path):
    case = model_zoo.build(name, tmp_path / "model")
    lean, whole = tmp_path / "lean", tmp_path / "whole"
    assert _command_line(*case.flags, case.input_path, str(lean)) == {
        "status": 0, "public_api": False}
    assert _command_line(*case.flags, case.input_path, str(whole), whole=True) == {
        "status": 0, "public_api": True}
    assert _files(lean) == _files(whole)


def test_keras_input_imports_the_whole_of_tensorflow(tmp_path):
    result = _command_line("--input_format=tfjs_layers_model", str(tmp_path / "missing.json"),
                           str(tmp_path / "out"))
    assert result == {"status": 1, "public_api": True}
