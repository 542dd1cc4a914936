"""Loop bodies output the tensors they write (legalize/loop_list_writes.py): a tensor a While
body (or an If branch in it) stores in a TensorList becomes an output, carried as a new loop
variable from a zero scalar, so TF.js keeps it; the loop computes what it did."""

import tensorflow as tf

from tests.converter import graphs
from tools.converter.legalize import loop_list_writes


def _loop_graph(write_an_output=False, write_in_a_branch=False):
    """``out`` stacks what a 4-step loop over ``state`` = tanh(2 state + 1) wrote: 3 state
    (or state itself, an output of the body), in an If branch when asked."""
    with tf.Graph().as_default() as graph:
        x = tf.compat.v1.placeholder(tf.float32, (3,), name="x")

        def body(i, state, written):
            new = tf.tanh(state * 2.0 + 1.0)
            item = new if write_an_output else new * 3.0
            if write_in_a_branch:
                written = tf.cond(i > 1, lambda: written.write(i, item),
                                  lambda: written.write(i, -item))
            else:
                written = written.write(i, item)
            return i + 1, new, written

        written = tf.while_loop(lambda i, s, w: i < 4, body,
                                [0, x, tf.TensorArray(tf.float32, size=4)], name="loop")[2]
        tf.identity(written.stack(), name="out")
    return graph.as_graph_def()


def _functions(graph_def):
    return {f.signature.name: f for f in graph_def.library.function}


def _body(graph_def):
    return _functions(graph_def)[graphs.node(graph_def, "loop").attr["body"].func.name]


def _assert_same_values(before, after):
    graphs.assert_same_values(before, after, ["out"], {"x": graphs.random(3, 1)})


def test_written_tensor_becomes_a_new_loop_variable():
    graph_def = _loop_graph()
    graphs.node(graph_def, "loop").input.append("^x")
    before = graphs.copy(graph_def)
    loop_list_writes.keep_written_tensors(graph_def)
    loop, body = graphs.node(graph_def, "loop"), _body(graph_def)
    cond = _functions(graph_def)[loop.attr["cond"].func.name]
    assert len(loop.attr["T"].list.type) == len(loop.input) - 1 == 6  # was 5, and ^x
    assert (graphs.ops(graph_def)[loop.input[5]], loop.input[6]) == ("Const", "^x")
    assert len(body.signature.input_arg) == len(body.signature.output_arg) == 6
    assert len(cond.signature.input_arg) == 6
    write = next(n for n in body.node_def if n.op == "TensorListSetItem")
    kept = body.ret[body.signature.output_arg[5].name]
    assert write.input[2] == kept and kept.startswith("mul_1/kept_item")
    _assert_same_values(before, graph_def)


def test_writing_an_output_changes_nothing():
    graphs.assert_unchanged(loop_list_writes.keep_written_tensors,
                            _loop_graph(write_an_output=True))


def test_tensor_written_in_a_branch_is_carried_out_of_it():
    graph_def = _loop_graph(write_in_a_branch=True)
    before = graphs.copy(graph_def)
    loop_list_writes.keep_written_tensors(graph_def)
    body = _body(graph_def)
    branch = next(n for n in body.node_def if n.op in ("If", "StatelessIf"))
    assert len(branch.attr["Tout"].list.type) == 3  # the list, and one item per branch
    assert len(graphs.node(graph_def, "loop").attr["T"].list.type) == 7  # and both carried
    for name in (branch.attr["then_branch"].func.name, branch.attr["else_branch"].func.name):
        assert len(_functions(graph_def)[name].signature.output_arg) == 3
    _assert_same_values(before, graph_def)
