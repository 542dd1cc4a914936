"""The op check (legalize/op_check.py): ops TF.js 4.22 lacks, in the graph and its functions,
are named with one node using each; a graph of supported ops passes."""

import pytest

from tests.converter import graphs
from tools.converter.errors import ConversionError
from tools.converter.legalize import op_check, tfjs_op_list


def _graph(main_ops=("Relu",), function_ops=()):
    """x -> one node per op of ``main_ops``; a function ``body`` with ``function_ops``."""
    graph_def = graphs.with_input()
    for index, op in enumerate(main_ops):
        graphs.add(graph_def, f"main{index}", op, ["x"])
    function = graph_def.library.function.add()
    function.signature.name = "body"
    for index, op in enumerate(function_ops):
        function.node_def.add(name=f"inner{index}", op=op)
    return graph_def


def test_supported_ops_pass():
    graph_def = _graph(("Relu", "Sigmoid"), ("Tanh",))
    assert op_check.unsupported_ops(graph_def) == {}
    op_check.check_ops(graph_def)


def test_unsupported_ops_are_found_in_the_graph_and_its_functions():
    graph_def = _graph(("Relu", "Lgamma", "Lgamma"), ("Tanh", "Digamma"))
    assert op_check.unsupported_ops(graph_def) == {
        "Digamma": "node 'inner1' in function 'body'", "Lgamma": "node 'main1'"}


def test_supported_set_can_be_given():
    graph_def = _graph(("Relu",), ("Tanh",))
    assert op_check.unsupported_ops(graph_def, supported={"Relu", "Placeholder"}) == {
        "Tanh": "node 'inner0' in function 'body'"}


def test_check_names_every_unsupported_op():
    with pytest.raises(ConversionError) as error:
        op_check.check_ops(_graph(("Lgamma",), ("Digamma",)))
    message = str(error.value)
    assert "Digamma (node 'inner0' in function 'body'); Lgamma (node 'main0')" in message
    assert "--strip_debug_ops" not in message


def test_check_suggests_stripping_debug_ops():
    assert "CheckNumerics" not in tfjs_op_list.supported_ops()
    with pytest.raises(ConversionError, match="--strip_debug_ops removes debug ops"):
        op_check.check_ops(_graph(("CheckNumerics",)))
