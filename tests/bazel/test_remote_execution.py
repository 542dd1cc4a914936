"""Remote execution: Bazel runs actions on a local REAPI engine (BuildGrid + buildbox, see
remote_execution.py), a genrule first, then the repository's and the e2e workspaces' models,
which must come out byte-identical to local builds."""

import filecmp
import os
import re
import shutil

import pytest

from tests.bazel.bazel_driver import REPO_ROOT, bazel, output_path, spawns
from tests.bazel.loopback import listening
from tests.bazel.remote_execution import HIDDEN_FROM_ACTIONS, remote_engine

# --noremote_accept_cached: every action runs on the worker, none is answered by its cache.
REMOTE = ("--noremote_accept_cached",)

SMOKE_BUILD = """
genrule(
    name = "where",
    outs = ["where.txt"],
    cmd = "{{ echo made remotely; pwd; "
          + "for d in {hidden}; do [ ! -d $$d ] || find $$d -mindepth 1; done | wc -l; "
          + "env | cut -d= -f1 | sort; }} > $@",
)
"""


def _remote_count(stdout):
    """N of Bazel's 'N remote' process summary (0 when absent)."""
    found = re.findall(r"processes: .*?(\d+) remote", stdout)
    return int(found[-1]) if found else 0


def test_a_genrule_runs_on_the_worker_and_the_engine_stops_cleanly(tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "MODULE.bazel").write_text('module(name = "smoke")\n')
    (workspace / "BUILD.bazel").write_text(
        SMOKE_BUILD.format(hidden=" ".join(map(str, HIDDEN_FROM_ACTIONS))))
    log = tmp_path / "exec.json"
    with remote_engine(tmp_path / "engine") as engine:
        result = bazel(workspace, "build", "//:where", f"--remote_executor={engine.url}", *REMOTE,
                       f"--execution_log_json_file={log}", binds=[tmp_path])
        assert engine.running()
    assert _remote_count(result.stdout) >= 1, result.stdout[-3000:]
    [genrule] = [s for s in spawns(log) if s.get("mnemonic") == "Genrule"]
    assert genrule["runner"] == "remote" and not genrule.get("cacheHit"), genrule
    output = (workspace / "bazel-bin" / "where.txt").read_text()
    text, where, hidden, *variables = output.splitlines()
    assert text == "made remotely"
    assert where.startswith(f"{engine.root}/casd-cache/"), where  # where casd staged it
    assert hidden == "0"  # no Bazel output base, no project cache
    # --clearenv: the action has what Bazel sets (PATH), not the worker's HOME or LANG.
    assert "PATH" in variables and not {"HOME", "LANG"} & set(variables), variables
    assert engine.running() == []


def test_the_engine_ends_every_process_when_the_body_fails(tmp_path):
    with pytest.raises(RuntimeError, match="the body failed"):
        with remote_engine(tmp_path / "engine") as engine:
            port = int(engine.url.rsplit(":", 1)[1])
            assert listening(port) and len(engine.running()) > len(engine.daemons)
            raise RuntimeError("the body failed")
    assert engine.running() == [] and not listening(port)
    assert all(d.process.returncode is not None for d in engine.daemons)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("remote")
    with remote_engine(root / "engine") as running:
        yield running


E2E_MODELS = ["//:loop_web", "//:frozen_web", "//:keras_layers_web", "//:keras_graph_web"]


# This repository is a bzlmod root (its environment under `_main~tfjs~...`); e2e/workspace uses
# rules_tfjs as a WORKSPACE dependency, with the e2e models (loop, frozen graph, Keras). e2e/bzlmod
# passed too, but adds 100 s to the suite and no path or model kind these two lack.
@pytest.mark.parametrize("workspace,targets", [
    (REPO_ROOT, ["//models:mobilenet_web"]),
    (REPO_ROOT / "e2e" / "workspace", E2E_MODELS),
], ids=["repository", "e2e-workspace"])
def test_models_convert_remotely_to_the_bytes_of_a_local_build(engine, tmp_path, workspace,
                                                               targets):
    # Locally first: what an earlier test of the suite built here is reused (a local result all
    # the same), so the suite pays for one build, the remote one.
    bazel(workspace, "build", *targets)
    bin_dir = output_path(workspace, "")
    models = [t.replace(":", "/").lstrip("/") for t in targets]
    for model in models:
        shutil.copytree(bin_dir / model, tmp_path / "local" / model)
    bazel(workspace, "clean")  # so that every action of the remote build runs
    log = tmp_path / "exec.json"
    result = bazel(workspace, "build", *targets, f"--remote_executor={engine.url}", *REMOTE,
                   f"--execution_log_json_file={log}", binds=[tmp_path])
    executed = spawns(log)
    assert _remote_count(result.stdout) == len(executed), result.stdout[-3000:]
    assert all(s["runner"] == "remote" and not s.get("cacheHit") for s in executed), [
        (s.get("mnemonic"), s["runner"]) for s in executed]
    assert [s["mnemonic"] for s in executed].count("TfjsConvert") == len(targets)
    for model in models:
        local, remote = tmp_path / "local" / model, bin_dir / model
        names = sorted(os.listdir(remote))
        assert "model.json" in names and names == sorted(os.listdir(local)), model
        match, mismatch, errors = filecmp.cmpfiles(local, remote, names, shallow=False)
        assert (mismatch, errors) == ([], []), (model, mismatch, errors)
