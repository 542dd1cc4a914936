"""The persistent worker: many conversions in one process, each with the bytes a fresh CLI
process writes whatever came before; errors, crashes and malformed lines as one-line responses;
cancels; and the worker carries on after all of them."""

import os
import pathlib
import signal
import time

import pytest
from absl import flags

from tests.converter import model_zoo, tfjs
from tests.converter.worker_client import CONVERTER, worker_process
from tests.converter.test_keras_graph import _functional, _sequence
from tools.converter import cli

GRAPH = "--output_format=tfjs_graph_model"
# worker.serve with a stand-in for the converter; a request's arguments say what it does.
FAKE = ("-c", """
import os, signal, sys, time
from tools.converter import worker

def run_command(args):
    verb, *rest = args
    if verb == "block":  # tell the test who we are, then wait to be cancelled
        with open(rest[0] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(rest[0] + ".tmp", rest[0])
        time.sleep(600)
    if verb == "raise":
        raise RuntimeError("boom")
    if verb == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    print("from stdout")
    return (0 if verb == "echo" else 1), " ".join(rest)

worker.serve(sys.stdin.fileno(), sys.stdout, run_command)
""")


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted(pathlib.Path(directory).iterdir())}


def _running(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _eventually(condition):
    """Polls ``condition`` for up to a minute; returns its last value."""
    for _ in range(1200):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _blocked_child(bazel, request_id, tmp_path):
    """Sends a request that blocks; returns the pid of the process running it."""
    pid_file = tmp_path / f"pid{request_id}"
    bazel.send({"arguments": ["block", str(pid_file)], "requestId": request_id})
    assert _eventually(pid_file.exists)
    return int(pid_file.read_text())


def test_worker_converts_many_models_and_survives_errors(tmp_path):
    case = model_zoo.build("dict_outputs", tmp_path / "models")
    flagfile = tmp_path / "args"
    flagfile.write_text("\n".join([*case.flags, "--", case.input_path, str(tmp_path / "w1")]))
    tfjs.convert(case.input_path, tmp_path / "cli", *case.flags)
    with worker_process(*CONVERTER) as bazel:
        assert bazel.request(1, [f"@{flagfile}"]) == {"exitCode": 0, "output": "", "requestId": 1}
        failed = bazel.request(2, ["--signature_name=nope", case.input_path, tmp_path / "w2"])
        assert failed["exitCode"] == 1
        assert failed["output"].startswith(
            "tfjs_converter: error: signature 'nope' does not exist")
        assert failed["output"].count("\n") == 1 and not (tmp_path / "w2").exists()
        assert bazel.request(3, [*case.flags, case.input_path, tmp_path / "w3"])["exitCode"] == 0
        assert bazel.close() == (0, "")
    for directory in ("w1", "w3"):
        assert _files(tmp_path / directory) == _files(tmp_path / "cli")


@pytest.fixture(scope="module")
def keras_models(tmp_path_factory):
    """Keras models whose traced loops (GRU, LSTM) become functions that TensorFlow names with
    a process-wide counter: (arguments without OUTPUT, the CLI's output directory) by name."""
    import keras  # pylint: disable=import-outside-toplevel
    import tf_keras  # pylint: disable=import-outside-toplevel
    workdir = tmp_path_factory.mktemp("keras")
    keras.utils.set_random_seed(0)
    _sequence(keras).save(str(workdir / "sequence.keras"))
    tf_keras.utils.set_random_seed(0)
    _functional(tf_keras).save(str(workdir / "functional.h5"))
    models = {"sequence": ["--input_format=keras_keras", GRAPH, workdir / "sequence.keras"],
              "functional": ["--input_format=keras", GRAPH, workdir / "functional.h5"],
              "layers": ["--input_format=keras_keras", workdir / "sequence.keras"]}
    for name, args in models.items():
        tfjs.convert(args[-1], workdir / f"cli_{name}", *args[:-1])
    return {name: (args, workdir / f"cli_{name}") for name, args in models.items()}


@pytest.mark.parametrize("order", [("sequence", "functional", "layers"),
                                   ("layers", "functional", "sequence")])
def test_each_request_writes_the_bytes_of_a_fresh_process(keras_models, tmp_path, order):
    with worker_process(*CONVERTER) as bazel:
        for request_id, name in enumerate(order):
            args, _ = keras_models[name]
            assert bazel.request(request_id, [*args, tmp_path / name])["exitCode"] == 0
    for name in order:
        assert _files(tmp_path / name) == _files(keras_models[name][1]), name


def test_flags_of_a_request_do_not_carry_over(tmp_path):
    case = model_zoo.build("tf2_variables", tmp_path / "models")
    tfjs.convert(case.input_path, tmp_path / "cli", *case.flags)
    with worker_process(*CONVERTER) as bazel:
        first = bazel.request(1, ["--verbose", "--quantize_float16", "--signature_name=other",
                                  "--weight_shard_size_bytes=64", case.input_path,
                                  tmp_path / "flags"])
        second = bazel.request(2, [*case.flags, case.input_path, tmp_path / "plain"])
    assert first["exitCode"] == 0 and "tfjs_converter: info: wrote " in first["output"]
    assert "float16" in (tmp_path / "flags" / "model.json").read_text()
    assert second == {"exitCode": 0, "output": "", "requestId": 2}
    assert _files(tmp_path / "plain") == _files(tmp_path / "cli")


def test_a_command_leaves_absl_global_flags_alone(tmp_path):
    status, message = cli.run_command(["--quantize_uint8", "--signature_name=other",
                                       str(tmp_path / "missing"), str(tmp_path / "out")])
    assert status == 1 and "is missing (the INPUT path)" in message
    for name in ("quantize_uint8", "signature_name"):
        assert not flags.FLAGS[name].present and flags.FLAGS[name].value is None


def test_every_request_is_answered_whatever_the_command_does(tmp_path):
    with worker_process(*FAKE) as bazel:
        assert bazel.request(1, ["echo", "a", "b"]) == {
            "exitCode": 0, "output": "from stdout\na b\n", "requestId": 1}
        assert bazel.request(2, ["fail", "bad input"]) == {
            "exitCode": 1, "output": "from stdout\nbad input\n", "requestId": 2}
        assert bazel.request(3, ["raise"]) == {
            "exitCode": 1, "output": "tfjs_converter: error: internal error: RuntimeError: boom\n",
            "requestId": 3}
        assert bazel.request(4, ["die"]) == {
            "exitCode": 1, "requestId": 4,
            "output": "tfjs_converter: error: internal error: the conversion process was killed "
                      "by SIGKILL\n"}
        bazel.send({"arguments": ["echo", "singleplex"]})  # Bazel leaves out a requestId of 0
        assert bazel.response() == {
            "exitCode": 0, "output": "from stdout\nsingleplex\n", "requestId": 0}
        assert bazel.close() == (0, "")


@pytest.mark.parametrize("line,request_id,error", [
    ("not json", 0, "work request is not JSON: Expecting value: line 1 column 1 (char 0)"),
    ("[1, 2]", 0, "work request is not a JSON object"),
    ('{"requestId": "7", "arguments": []}', 0, "work request id is not an integer: '7'"),
    ('{"requestId": 7, "arguments": "a b"}', 7, "work request arguments are not a list of strings"),
])
def test_a_malformed_line_gets_an_error_response(line, request_id, error):
    with worker_process(*FAKE) as bazel:
        bazel.send(line)
        assert bazel.response() == {"exitCode": 1, "output": f"tfjs_converter: error: {error}\n",
                                    "requestId": request_id}
        assert bazel.request(8, ["echo", "still here"])["exitCode"] == 0
        assert bazel.close() == (0, "")


def test_cancel_kills_the_running_request(tmp_path):
    with worker_process(*FAKE) as bazel:
        child = _blocked_child(bazel, 1, tmp_path)
        bazel.send({"requestId": 1, "cancel": True})
        assert bazel.response() == {"requestId": 1, "wasCancelled": True}
        assert not _running(child)
        assert bazel.request(2, ["echo", "next"])["output"] == "from stdout\nnext\n"
        assert bazel.close() == (0, "")


def test_cancel_of_an_answered_or_unknown_request_is_ignored():
    with worker_process(*FAKE) as bazel:
        assert bazel.request(1, ["echo", "one"])["exitCode"] == 0
        bazel.send({"requestId": 1, "cancel": True})
        bazel.send({"requestId": 99, "cancel": True})
        assert bazel.request(2, ["echo", "two"]) == {
            "exitCode": 0, "output": "from stdout\ntwo\n", "requestId": 2}
        assert bazel.close() == (0, "")  # no response to either cancel, even late


def test_a_killed_worker_takes_its_running_request_along(tmp_path):
    with worker_process(*FAKE) as bazel:
        child = _blocked_child(bazel, 1, tmp_path)
        os.kill(bazel.process.pid, signal.SIGKILL)
        bazel.process.wait()
        assert _eventually(lambda: not _running(child))
