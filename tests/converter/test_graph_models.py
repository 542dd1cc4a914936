"""Every zoo model, converted by the CLI, runs in TF.js 4.22 and gives TensorFlow's outputs."""

import json

import pytest

from tests.converter import model_zoo, tfjs


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("zoo")


@pytest.mark.parametrize("name", sorted(model_zoo.BUILDERS))
def test_converted_model_matches_tensorflow(name, zoo_dir, tmp_path):
    case = model_zoo.build(name, zoo_dir)
    out = tmp_path / "web model"
    result = tfjs.convert(case.input_path, out, *case.flags)
    assert result.stderr == "" or "using" in result.stderr  # quiet on success
    model = json.loads((out / "model.json").read_text())
    assert model["format"] == "graph-model"
    assert sorted(model["signature"]["outputs"]) == sorted(case.expected)

    ran = tfjs.run(out, case.inputs, outputs=sorted(case.expected))
    assert set(ran["outputs"]) == set(case.expected)
    for key, expected in case.expected.items():
        tfjs.assert_matches(tfjs.as_array(ran["outputs"][key]), expected, key)
