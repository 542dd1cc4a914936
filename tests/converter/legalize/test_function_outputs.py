"""One node per function output (legalize/function_outputs.py): outputs that share a producing
node get an Identity each, so TF.js reads every output's own index; results are unchanged."""

from tests.converter import graphs
from tools.converter import graph_view
from tools.converter.legalize import function_outputs

RESULTS = {"first": "neg:y:0", "second": "neg:y:0", "third": "unpack:output:0",
           "fourth": "unpack:output:1", "fifth": "a"}
SEPARATE = {"first": "neg:y:0", "second": "unpack:output:0"}


def _add_function(graph_def, name, results):
    """A function of ``a`` (2x3) with nodes neg = -a and unpack = unstack(a), returning
    ``results`` ({output: tensor}); called by the node ``<name>_call``."""
    function = graph_def.library.function.add()
    function.signature.name = name
    function.signature.input_arg.add(name="a", type=graphs.FLOAT)
    for key, tensor in results.items():
        function.signature.output_arg.add(name=key, type=graphs.FLOAT)
        function.ret[key] = tensor
    function.node_def.add(name="neg", op="Neg", input=["a"]).attr["T"].type = graphs.FLOAT
    unpack = function.node_def.add(name="unpack", op="Unpack", input=["a"])
    unpack.attr["T"].type, unpack.attr["num"].i = graphs.FLOAT, 2
    call = graph_def.node.add(name=f"{name}_call", op="PartitionedCall", input=["x"])
    call.attr["Tin"].list.type.append(graphs.FLOAT)
    call.attr["Tout"].list.type.extend([graphs.FLOAT] * len(results))
    call.attr["f"].func.name = name


def _graph():
    graph_def = graphs.with_input()
    _add_function(graph_def, "shared", RESULTS)
    _add_function(graph_def, "separate", SEPARATE)
    return graph_def


def test_outputs_get_a_node_each_and_the_same_values():
    graph_def = _graph()
    before = graphs.copy(graph_def)
    function_outputs.separate_function_outputs(graph_def)
    shared = graph_def.library.function[0]
    producers = [graph_view.node_name(shared.ret[key]) for key in RESULTS]
    assert len(set(producers)) == len(RESULTS)
    assert shared.ret["first"] == "neg:y:0"  # the first (in name order) keeps its tensor
    identity = next(n for n in shared.node_def if n.name == graph_view.node_name(
        shared.ret["second"]))
    assert (identity.op, list(identity.input)) == ("Identity", ["neg:y:0"])
    fetches = [f"shared_call:{i}" for i in range(len(RESULTS))]
    graphs.assert_same_values(before, graph_def, fetches, {"x": graphs.random((2, 3), 1)})


def test_outputs_from_separate_nodes_are_left_alone():
    graph_def = _graph()
    function_outputs.separate_function_outputs(graph_def)
    assert graph_def.library.function[1] == _graph().library.function[1]
