"""Benchmark: a monorepo of 10 models built cold by Bazel, beside 10 runs of our CLI.

Writes seeded source models (MobileNetV2 as a SavedModel and as a Keras .h5 file, model-zoo
SavedModels, two frozen graphs, a Keras 3 .keras file; one target float16, one uint8) into a
workspace that uses rules_tfjs through bazel_dep + local_path_override and e2e/bzlmod's .bazelrc.
- bazel: `bazel clean` (no action-cache hits; fetched repositories stay), then a timed
  `bazel build //...`: with the persistent worker (the default), with
  --strategy=TfjsConvert=sandboxed, and with --remote on the BuildGrid + buildbox engine of
  tests/bazel/remote_execution.py. Per conversion: the spawn's totalTime in the
  --execution_log_json_file; setup: its setupTime (workers) plus the linux-sandbox setup that
  only the --profile shows. During each build the RSS of the Bazel server's --persistent_worker
  processes is sampled, summed over them (a worker's forked children count shared pages again).
- cli: each model converted by a fresh `python -m tools.converter` with the flags its target
  sets, one after another, with this Python (the test environment; Bazel runs the converter
  environment's).
- warm MobileNetV2: requests to convert it, one after another, to one worker process started
  here outside Bazel; the first also waits for the worker's TensorFlow import, the next ones are
  a warm worker's conversion (without Bazel's input staging and bookkeeping).
Goals: the worker build <= 0.3x the CLI runs; warm MobileNetV2 <= 1 s. Figures only.
usage: $(tools/bootstrap/python_env.sh test) bench/monorepo.py [--models=10] [--remote]
           [--workdir=DIR] [--bazel_flags=--worker_sandboxing,...]
"""

import dataclasses
import gzip
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import threading
import time

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # for tests.bazel
from tests.bazel.bazel_driver import bazel, spawns  # noqa: E402
from tests.bazel.remote_execution import remote_engine  # noqa: E402
from tests.converter.worker_client import worker_process  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Model:
    """A target of the workspace and the source it converts."""
    name: str
    maker: str   # how _MAKE_MODELS writes its source
    attrs: dict  # tfjs_web_model attributes besides name and src; the CLI gets them as flags


MODELS = (
    Model("mobilenet_v2", "mobilenet_saved_model", {}),
    Model("frozen_graph", "zoo",
          {"input_format": "tf_frozen_model", "output_node_names": ["output", "aux"]}),
    Model("keras_gru", "keras_file", {"input_format": "keras_keras"}),
    Model("mobilenet_v2_h5", "mobilenet_h5", {"input_format": "keras",
                                              "output_format": "tfjs_graph_model",
                                              "quantize_float16": ["*"]}),
    Model("conv_bn_relu", "zoo", {"quantize_uint8": ["*"]}),
    Model("tf1_saved_model", "zoo", {}),
    Model("tensor_array_loop", "zoo", {}),
    Model("hash_table", "zoo", {}),
    Model("frozen_softmax", "frozen_graph",
          {"input_format": "tf_frozen_model", "output_node_names": ["probs", "logits"]}),
    Model("tf2_variables", "zoo", {}),
)

flags.DEFINE_integer("models", len(MODELS), "How many of the models to use (the first N).",
                     lower_bound=1, upper_bound=len(MODELS))
flags.DEFINE_boolean("remote", False, "Also build remotely, on the BuildGrid + buildbox engine "
                     "of tests/bazel/remote_execution.py.")
flags.DEFINE_string("workdir", "/tmp/rules_tfjs-bench-monorepo",
                    "Emptied, then holds the workspace, the logs and the CLI's outputs. A fixed "
                    "path keeps Bazel's output base (and its fetched repositories) across runs.")
flags.DEFINE_list("bazel_flags", [], "Extra flags for every timed build, e.g. "
                  "--worker_sandboxing.")
FLAGS = flags.FLAGS

# Writes the sources into argv[1] for the [name, maker] pairs of argv[2]; prints
# {name: path}. Makers: mobilenet_saved_model, mobilenet_h5, zoo (tests/converter/model_zoo.py),
# frozen_graph and keras_file (tests/e2e_support/make_models.py).
_MAKE_MODELS = """
import json, pathlib, sys
from tools.converter import tf_import
tf = tf_import.import_tensorflow()
import numpy as np
from models import mobilenet_saved_model
from tests.converter import model_zoo
from tests.e2e_support import make_models
src, paths, mobilenet = pathlib.Path(sys.argv[1]), {}, None
for name, maker in json.loads(sys.argv[2]):
    if maker == "zoo":
        paths[name] = model_zoo.build(name, src).input_path
        continue
    if maker.startswith("mobilenet"):
        mobilenet = mobilenet or mobilenet_saved_model.build(seed=0)
        if maker == "mobilenet_h5":
            path = src / (name + ".h5")
            mobilenet.save(str(path))
        else:
            path = src / name
            mobilenet.export(str(path), verbose=False)
    else:
        path = src / (name + {"frozen_graph": ".pb", "keras_file": ".keras"}[maker])
        getattr(make_models, maker)(tf, np, str(path))
    paths[name] = str(path)
print(json.dumps(paths))
"""
_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": REPO_ROOT,
        "TF_CPP_MIN_LOG_LEVEL": "3"}
_WARM_REQUESTS = 3  # after the first request to the worker


def _cli_flags(model):
    """The converter flags of `model`'s attributes (the rule passes the rest as defaults)."""
    return [f"--{key}={','.join(value) if isinstance(value, list) else value}"
            for key, value in model.attrs.items()]


def _write_workspace(workspace, models, paths):
    """MODULE.bazel, .bazelrc (e2e/bzlmod's) and a BUILD.bazel with one target per model."""
    (workspace / "MODULE.bazel").write_text(
        'module(name = "monorepo_bench")\n\nbazel_dep(name = "rules_tfjs", version = "0.1.0")\n'
        f'local_path_override(module_name = "rules_tfjs", path = "{REPO_ROOT}")\n')
    shutil.copy(os.path.join(REPO_ROOT, "e2e", "bzlmod", ".bazelrc"), workspace / ".bazelrc")
    lines = ['load("@rules_tfjs//rules:defs.bzl", "tfjs_web_model")', ""]
    for model in models:
        src = os.path.relpath(paths[model.name], workspace)
        if os.path.isdir(paths[model.name]):  # a SavedModel: its files
            lines.append(f'filegroup(name = "{model.name}_src", srcs = glob(["{src}/**"]))')
            src = f":{model.name}_src"
        attrs = "".join(f", {key} = {json.dumps(value)}" for key, value in model.attrs.items())
        lines.append(f'tfjs_web_model(name = "{model.name}", src = "{src}"{attrs})')
    (workspace / "BUILD.bazel").write_text("\n".join(lines) + "\n")


def _processes():
    """{pid: (parent pid, command line)} of the running processes."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                parent = int(f.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found[int(entry)] = (parent, f.read())
        except (OSError, ValueError):
            continue
    return found


def _rss_kb(pid):
    """VmRSS of `pid` in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


class _WorkerRss:
    """Samples, every 0.2 s in a thread, the summed RSS of the --persistent_worker processes
    descending from the Bazel server of `workspace`: the peak, and the last sample that found
    any (the workers after the build, before tools/bazel shuts the server down)."""

    def __init__(self, workspace):
        self.peak_kb = self.final_kb = self.most_processes = 0
        self._server_flag = f"--workspace_directory={workspace.resolve()}\0".encode()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _workers(self):
        processes = _processes()
        servers = {pid for pid, (_, cmd) in processes.items() if self._server_flag in cmd}

        def under_server(pid):
            while pid in processes and pid not in servers:
                pid = processes[pid][0]
            return pid in servers

        return [pid for pid, (_, cmd) in processes.items()
                if b"--persistent_worker" in cmd and under_server(pid)]

    def _sample(self):
        while not self._stop.wait(0.2):
            workers = self._workers()
            total = sum(_rss_kb(pid) for pid in workers)
            self.peak_kb = max(self.peak_kb, total)
            self.most_processes = max(self.most_processes, len(workers))
            self.final_kb = total or self.final_kb

    def stop(self):
        self._stop.set()
        self._thread.join()


def _seconds(duration):
    """A protobuf Duration as JSON ("1.500s") in seconds."""
    return float(duration.rstrip("s")) if duration else 0.0


def _profile_seconds(profile):
    """Seconds spent, per a --profile, creating runfiles trees and setting up linux-sandboxes
    (Bazel 7.7.1's execution log leaves the latter out of a sandboxed spawn's metrics)."""
    with gzip.open(profile, "rt") as f:
        events = [e for e in json.load(f)["traceEvents"] if e.get("ph") == "X"]
    runfiles = sum(e["dur"] for e in events if e.get("cat") == "action processing"
                   and e["name"].startswith("Creating runfiles tree"))
    sandbox = sum(e["dur"] for e in events if e["name"] == "sandbox.createFileSystem")
    return runfiles / 1e6, sandbox / 1e6


def _timed_build(workspace, work, mode, extra):
    """`bazel clean`, then a timed `bazel build //...`; returns the row of `mode`."""
    log, profile = work / "logs" / f"{mode}.json", work / "logs" / f"{mode}.profile.gz"
    bazel(workspace, "clean", binds=[work])
    sampler = _WorkerRss(workspace)
    start = time.perf_counter()
    bazel(workspace, "build", "//...", f"--execution_log_json_file={log}", f"--profile={profile}",
          *extra, *FLAGS.bazel_flags, binds=[work])
    wall = time.perf_counter() - start
    sampler.stop()
    converts = [s for s in spawns(log) if s.get("mnemonic") == "TfjsConvert"]
    times = {s["targetLabel"].rsplit(":", 1)[1]: _seconds(s["metrics"].get("totalTime"))
             for s in converts}
    runfiles, sandbox = _profile_seconds(profile)
    setup = (sum(_seconds(s["metrics"].get("setupTime")) for s in converts) + sandbox) / len(
        converts)
    hits = sum(bool(s.get("cacheHit")) for s in converts)
    note = (f"{'/'.join(sorted({s['runner'] for s in converts}))}; setup {setup:.2f} s/conv.; "
            f"runfiles trees {runfiles:.1f} s" + (f"; {hits} CACHE HITS" if hits else ""))
    rss = (f"{sampler.peak_kb / 1024:.0f} / {sampler.final_kb / 1024:.0f} MB "
           f"({sampler.most_processes} proc.)" if sampler.peak_kb else "-")
    return {"mode": f"bazel {mode}", "wall": wall, "times": times, "rss": rss, "note": note}


def _cli_runs(work, models, paths):
    """Each model converted by a fresh converter process; returns the row."""
    times, peak_kb = {}, 0
    for model in models:
        err = work / "cli" / f"{model.name}.stderr"
        err.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "tools.converter", *_cli_flags(model),
                   paths[model.name], str(work / "cli" / model.name)]
        with err.open("w") as stderr:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=_ENV,
                                       stdout=subprocess.DEVNULL, stderr=stderr)
            _, status, usage = os.wait4(process.pid, 0)  # its own peak RSS
            times[model.name] = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            sys.exit(f"{' '.join(command)} failed; see {err}")
        peak_kb = max(peak_kb, usage.ru_maxrss)
    return {"mode": f"cli x{len(models)}", "wall": sum(times.values()), "times": times,
            "rss": f"{peak_kb / 1024:.0f} MB max/process", "note": "sequential fresh processes"}


def _warm_worker(work, model, path):
    """Seconds of each of 1 + _WARM_REQUESTS conversions of `model` by one worker process."""
    seconds = []
    with worker_process(env=_ENV) as worker:
        for request_id in range(1, _WARM_REQUESTS + 2):
            output = str(work / "warm" / f"{model.name}_{request_id}")
            start = time.perf_counter()
            response = worker.request(request_id, [*_cli_flags(model), path, output])
            seconds.append(time.perf_counter() - start)
            if response.get("exitCode") != 0:
                sys.exit(f"worker request {request_id} failed: {response}")
        worker.close()
    return seconds


def _print_results(rows, models, warm):
    print(f"\n{'mode':<16} {'wall':>8} {'conv. mean':>10} {'conv. max':>9}  "
          f"{'worker RSS peak / final':<28} notes")
    for row in rows:
        times = list(row["times"].values())
        print(f"{row['mode']:<16} {row['wall']:7.1f}s {statistics.mean(times):9.2f}s "
              f"{max(times):8.2f}s  {row['rss']:<28} {row['note']}")
    print(f"\nper conversion (s){'':<7}" + "".join(f"{r['mode']:>16}" for r in rows))
    for model in models:
        print(f"  {model.name:<23}" + "".join(
            f"{r['times'].get(model.name, float('nan')):16.2f}" for r in rows))
    by_mode = {row["mode"]: row for row in rows}
    cli, worker = by_mode[f"cli x{len(models)}"], by_mode["bazel worker"]
    warm_seconds = statistics.median(warm[1:])
    print(f"\nwarm MobileNetV2 in one worker process (outside Bazel): first request "
          f"{warm[0]:.2f} s (waits for the import), then {', '.join(f'{s:.2f}' for s in warm[1:])}"
          f" s")
    print(f"goal: worker build <= 0.3x the CLI runs: {worker['wall']:.1f} s / {cli['wall']:.1f} s"
          f" = {worker['wall'] / cli['wall']:.2f}x")
    print(f"goal: warm MobileNetV2 <= 1 s: median {warm_seconds:.2f} s = "
          f"{warm_seconds:.2f}x the goal")


def main(argv):
    del argv
    models = MODELS[:FLAGS.models]
    work = pathlib.Path(FLAGS.workdir)
    shutil.rmtree(work, ignore_errors=True)
    workspace, src = work / "ws", work / "ws" / "src"
    src.mkdir(parents=True)
    (work / "logs").mkdir()
    print(f"writing {len(models)} source models into {src}", flush=True)
    made = subprocess.run([sys.executable, "-c", _MAKE_MODELS, str(src),
                           json.dumps([[m.name, m.maker] for m in models])],
                          capture_output=True, text=True, cwd=REPO_ROOT, env=_ENV)
    if made.returncode:
        sys.exit(f"writing the models failed:\n{made.stderr[-3000:]}")
    paths = json.loads(made.stdout.splitlines()[-1])
    _write_workspace(workspace, models, paths)
    print("converting with the CLI", flush=True)
    cli = _cli_runs(work, models, paths)
    warm = _warm_worker(work, MODELS[0], paths[MODELS[0].name])  # MobileNetV2, always built
    print("fetching external repositories (bazel build --nobuild)", flush=True)
    bazel(workspace, "build", "--nobuild", "//...", binds=[work])
    rows = []
    for mode, extra in (("worker", []), ("sandboxed", ["--strategy=TfjsConvert=sandboxed"])):
        print(f"bazel build, {mode}", flush=True)
        rows.append(_timed_build(workspace, work, mode, extra))
    if FLAGS.remote:
        print("bazel build, remote", flush=True)
        with remote_engine(work / "engine") as engine:
            rows.append(_timed_build(workspace, work, "remote", [
                f"--remote_executor={engine.url}", "--noremote_accept_cached"]))
    _print_results(rows + [cli], models, warm)
    print(f"\nlogs and profiles: {work / 'logs'}")


if __name__ == "__main__":
    app.run(main)
