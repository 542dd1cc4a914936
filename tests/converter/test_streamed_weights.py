"""Weights kept out of the graph (stand-ins, tools/converter/weight_refs.py) give the same bytes.

Runs every conversion of test_no_behaviour_change with --stream_weights_min_bytes=1, so that every
weight that can be a stand-in is one (strings and uniform tensors stay Consts), and checks the
hashes recorded there; the conversions run in a process of their own, as that test's do.
"""

import json

import numpy as np
import pytest

from tests.converter import test_no_behaviour_change
from tools.converter import weight_refs


def test_forced_stand_ins_write_the_recorded_bytes(tmp_path):
    recorded = json.loads(test_no_behaviour_change.HASHES.read_text())
    test_no_behaviour_change._run_self("--build", str(tmp_path))  # pylint: disable=protected-access
    actual = json.loads(test_no_behaviour_change._run_self(  # pylint: disable=protected-access
        "--convert", str(tmp_path), "--stream_weights_min_bytes=1"))
    assert list(actual) == list(recorded)
    changed = {name: sorted(set(actual[name].items()) ^ set(recorded[name].items()))
               for name in recorded if actual[name] != recorded[name]}
    assert not changed, f"outputs changed: {json.dumps(changed, indent=1)}"


def test_strings_and_uniform_tensors_stay_in_the_graph():
    table = weight_refs.WeightRefs(1)
    assert not table.is_large(np.array([b"a", b"bc"], dtype=object))
    assert not table.is_large(np.zeros((100, 100), np.float32))
    assert table.is_large(np.arange(2, dtype=np.float32))
    assert not weight_refs.WeightRefs(9).is_large(np.arange(2, dtype=np.float32))


def test_a_stand_in_is_read_only_when_asked():
    table = weight_refs.WeightRefs(1)
    reads = []

    def read():
        reads.append(1)
        return np.arange(6, dtype=np.float32).reshape(2, 3)
    node = table.stand_in("w", np.float32, (2, 3), read)
    assert table.is_stand_in(node) and not reads
    assert weight_refs.stand_in_shape(node) == [2, 3]
    np.testing.assert_array_equal(table.value("w"), read())


@pytest.mark.parametrize("name", ["tf2_variables", "tensor_array_loop", "conv_bn_relu"])
def test_large_variables_are_frozen_as_stand_ins_without_their_values(tmp_path, name):
    # pylint: disable=import-outside-toplevel
    from tensorflow.python.framework import tensor_util
    from tests.converter import model_zoo
    from tools.converter.passes import freezer
    from tools.converter.readers import saved_model_reader
    case = model_zoo.build(name, tmp_path)
    source = saved_model_reader.load(case.input_path, ("serve",), "serving_default")
    fetch = [s.name for s in list(source.inputs.values()) + list(source.outputs.values())]
    table = weight_refs.WeightRefs(1)
    with weight_refs.using(table):
        graph_def = freezer.freeze(source.graph_def, source.variable_values, fetch, False, table)
    large = {k: v for k, v in source.variable_values.items() if table.is_large(v)}
    assert large
    consts = [tensor_util.MakeNdarray(n.attr["value"].tensor) for n in graph_def.node
              if n.op == "Const"]
    assert not [c for c in consts if table.is_large(c)]
    stand_ins = {n.name: n for n in graph_def.node if table.is_stand_in(n)}
    assert set(stand_ins) <= set(large)
    for key, node in stand_ins.items():
        assert weight_refs.stand_in_shape(node) == list(np.shape(large[key]))
        np.testing.assert_array_equal(table.value(key), large[key])


@pytest.mark.parametrize("margin, streamed", [(0, True), (1, False)])
def test_a_model_streams_its_weights_when_they_total_the_threshold(tmp_path, margin, streamed):
    # pylint: disable=import-outside-toplevel
    import math
    from tests.converter import model_zoo
    from tools.converter import pipeline
    from tools.converter.options import ConversionOptions
    from tools.converter.readers import checkpoint
    case = model_zoo.build("tf2_variables", tmp_path)
    reader = checkpoint.Checkpoint(case.input_path)
    keys = [k for k in reader._reader.get_variable_to_shape_map()  # pylint: disable=protected-access
            if k.endswith("VARIABLE_VALUE")]
    total = sum(reader.nbytes(k) for k in keys)
    assert total > 0
    options = ConversionOptions(case.input_path, str(tmp_path / "out"),
                                stream_weights_min_bytes=total + margin).validated()
    c = pipeline.Conversion(options=options, metadata={}, refs=weight_refs.WeightRefs(math.inf))
    with weight_refs.using(c.refs):
        pipeline.read(c)
        assert pipeline._weight_bytes(c.source) == total  # pylint: disable=protected-access
        pipeline.freeze(c)
    assert (len(c.refs) > 0) == streamed
    assert any(n.op == "Const" and n.attr["value"].tensor.tensor_content
               for n in c.graph_def.node) != streamed
