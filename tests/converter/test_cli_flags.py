"""Reference-style command lines are read without the reference's traps."""

import re
import subprocess
import sys

import pytest

from tests.converter import tfjs
from tools.converter import argv_compat, cli, version

QUANTIZE = {"quantize_float16", "quantize_uint8", "quantize_uint16"}
BOOLS = {"strip_debug_ops", "control_flow_v2"}
VALUES = {"input_format", "signature_name"}


def normalize(*args):
    return argv_compat.normalize(list(args), VALUES, BOOLS, QUANTIZE)


@pytest.mark.parametrize("args,expected", [
    # A bare --quantize_* before the paths means every weight; it does not swallow INPUT.
    (["--quantize_float16", "in", "out"], ["--quantize_float16=*", "--", "in", "out"]),
    (["--quantize_uint8", "conv*,dense*", "in", "out"],
     ["--quantize_uint8=conv*,dense*", "--", "in", "out"]),
    (["in", "out", "--quantize_uint16"], ["--quantize_uint16=*", "--", "in", "out"]),
    # Bool flags with a separate literal value, the reference's only form.
    (["--strip_debug_ops", "False", "in", "out"], ["--strip_debug_ops=False", "--", "in", "out"]),
    (["--strip_debug_ops", "in", "out"], ["--strip_debug_ops", "--", "in", "out"]),
    # A path named like a bool literal stays a path when it is needed as one.
    (["--control_flow_v2", "true", "out"], ["--control_flow_v2", "--", "true", "out"]),
    # Flags in any order; values given with a space; paths with spaces kept whole.
    (["my model", "--input_format", "tf_hub", "out dir"],
     ["--input_format=tf_hub", "--", "my model", "out dir"]),
    (["--", "-odd", "out"], ["--", "-odd", "out"]),
])
def test_normalize(args, expected):
    assert normalize(*args) == expected


@pytest.fixture
def flag_values():
    return cli.new_flag_values()


@pytest.mark.parametrize("spelling,value", [
    ("--strip_debug_ops=False", False), ("--strip_debug_ops=false", False),
    ("--strip_debug_ops=True", True), ("--strip_debug_ops", True),
    ("--nostrip_debug_ops", False)])
def test_bool_flag_spellings(flag_values, spelling, value):
    assert cli.parse_args([spelling, "a", "b"], flag_values) == ["a", "b"]
    assert flag_values.strip_debug_ops is value


def test_options_from_reference_style_flags(flag_values):
    remaining = cli.parse_args(
        ["--quantize_uint8", "--saved_model_tags", "serve, gpu", "in put",
         "--metadata=a:x.json,b:y.json", "out put", "--quantize_float16=conv*,b?"], flag_values)
    options = cli.options_from_flags(*remaining, flag_values)
    assert (options.input_path, options.output_dir) == ("in put", "out put")
    assert options.quantize == {"uint8": ("*",), "float16": ("conv*", "b?")}
    assert options.saved_model_tags == ("serve", "gpu")
    assert options.metadata == {"a": "x.json", "b": "y.json"}
    assert options.control_flow_v2 is True


def test_flagfile_arguments(flag_values, tmp_path):
    flagfile = tmp_path / "args"
    flagfile.write_text("--strip_debug_ops=false\n--signature_name=sig\n--\nin put\nout\n")
    assert cli.parse_args([f"@{flagfile}"], flag_values) == ["in put", "out"]
    assert flag_values.signature_name == "sig" and flag_values.strip_debug_ops is False


def test_version():
    result = subprocess.run([sys.executable, "-m", "tools.converter", "--version"],
                            cwd=tfjs.REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.strip() == f"tfjs_converter {version.VERSION} (rules_tfjs)"


def test_help_lists_usage_and_every_reference_flag():
    result = subprocess.run([sys.executable, "-m", "tools.converter", "--help"], cwd=tfjs.REPO_ROOT,
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("Converts a TensorFlow model into a TensorFlow.js model.")
    for flag in ("input_format", "output_format", "signature_name", "saved_model_tags",
                 "output_node_names", "quantize_float16", "quantize_uint8", "quantize_uint16",
                 "weight_shard_size_bytes", "strip_debug_ops", "control_flow_v2",
                 "use_structured_outputs_names", "metadata", "skip_op_check",
                 "split_weights_by_layer"):
        assert re.search(rf"--(\[no\])?{flag}:", result.stdout), flag
    assert "absl" not in result.stdout  # only the converter's own flags
