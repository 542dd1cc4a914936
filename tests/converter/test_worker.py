"""The persistent worker: many conversions in one process, same bytes as the CLI, errors as
one-line responses, and the worker carries on after a failed request; a command's flags stay
its own."""

import json
import subprocess
import sys

from absl import flags

from tests.converter import model_zoo, tfjs
from tools.converter import cli


def _request(worker, request_id, arguments):
    worker.stdin.write(json.dumps({"arguments": arguments, "requestId": request_id}) + "\n")
    worker.stdin.flush()
    response = json.loads(worker.stdout.readline())
    assert response["requestId"] == request_id
    return response


def test_worker_converts_many_models_and_survives_errors(tmp_path):
    case = model_zoo.build("dict_outputs", tmp_path / "models")
    flagfile = tmp_path / "args"
    flagfile.write_text("\n".join([*case.flags, "--", case.input_path, str(tmp_path / "w1")]))
    tfjs.convert(case.input_path, tmp_path / "cli", *case.flags)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tools.converter", "--persistent_worker"], cwd=tfjs.REPO_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin"})
    try:
        assert _request(worker, 1, [f"@{flagfile}"]) == {
            "exitCode": 0, "output": "", "requestId": 1}
        failed = _request(worker, 2, ["--signature_name=nope", case.input_path,
                                      str(tmp_path / "w2")])
        assert failed["exitCode"] == 1
        assert failed["output"].startswith("tfjs_converter: error: signature 'nope' does not exist")
        assert failed["output"].count("\n") == 1 and not (tmp_path / "w2").exists()
        assert _request(worker, 3, [*case.flags, case.input_path, str(tmp_path / "w3")])[
            "exitCode"] == 0
    finally:
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0
    for directory in ("w1", "w3"):
        for name in ("model.json", "group1-shard1of1.bin"):
            assert (tmp_path / directory / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_a_command_leaves_absl_global_flags_alone(tmp_path):
    status, message = cli.run_command(["--quantize_uint8", "--signature_name=other",
                                       str(tmp_path / "missing"), str(tmp_path / "out")])
    assert status == 1 and "input path does not exist" in message
    for name in ("quantize_uint8", "signature_name"):
        assert not flags.FLAGS[name].present and flags.FLAGS[name].value is None
