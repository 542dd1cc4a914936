"""Benchmark: one persistent worker, many conversions; its memory after each request.

Starts ``python -m tools.converter --persistent_worker`` as Bazel does and sends it requests in
a cycle of four: the seeded MobileNetV2 SavedModel to a graph model, a small frozen GraphDef,
and the same MobileNetV2 as a Keras 3 .keras file to a graph model and to a layers model. After
each response it reads the worker's VmRSS from /proc and the CPU time the request took (the
worker's and that of the process it forks and waits for); while a request runs it samples the
PSS of the worker's process tree (shared pages counted once) for the peak.
usage: python bench/worker_memory.py [--requests=50]
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from absl import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # for tests.converter
from tests.converter.worker_client import worker_process  # noqa: E402

flags.DEFINE_integer("requests", 50, "Conversion requests to send to the one worker.")
FLAGS = flags.FLAGS

# Writes the models into argv[1]; prints the frozen graph's converter arguments as JSON.
_MAKE_MODELS = """
import json, pathlib, sys
from models import mobilenet_saved_model
workdir = pathlib.Path(sys.argv[1])
model = mobilenet_saved_model.build(seed=0)
model.export(str(workdir / "mobilenet"), verbose=False)
model.save(str(workdir / "mobilenet.keras"))
from tests.converter import model_zoo
case = model_zoo.build("frozen_graph", workdir)
print(json.dumps([*case.flags, case.input_path]))
"""

Row = collections.namedtuple("Row", "label seconds cpu_seconds rss_mb peak_pss_mb")


def _proc_kb(path, field):
    """``field`` (VmRSS, Pss, ...) of a /proc file in kB; 0 once the process is gone."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid):
    """User and system time of ``pid`` and of the children it has waited for."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(t) for t in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _tree(pid):
    """``pid`` and its descendants."""
    pids, index = [pid], 0
    while index < len(pids):
        try:
            with open(f"/proc/{pids[index]}/task/{pids[index]}/children", encoding="ascii") as f:
                pids.extend(int(p) for p in f.read().split())
        except OSError:
            pass
        index += 1
    return pids


class _PeakPss:
    """Samples the PSS of a process tree every 50 ms in a thread until ``stop()``."""

    def __init__(self, pid):
        self._pid, self._peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while True:
            pss = sum(_proc_kb(f"/proc/{p}/smaps_rollup", "Pss") for p in _tree(self._pid))
            self._peak_kb = max(self._peak_kb, pss)
            if self._stop.wait(0.05):
                return

    def stop(self):
        """Stops sampling; returns the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self._peak_kb / 1024


def _cycle(workdir, frozen_args):
    """The requests to send in turn: (label, converter arguments without OUTPUT)."""
    keras_file = os.path.join(workdir, "mobilenet.keras")
    return [
        ("saved_model", ["--input_format=tf_saved_model", os.path.join(workdir, "mobilenet")]),
        ("frozen_graph", frozen_args),
        ("keras_graph", ["--input_format=keras_keras", "--output_format=tfjs_graph_model",
                         keras_file]),
        ("keras_layers", ["--input_format=keras_keras", keras_file]),
    ]


def _measure(worker, request_id, label, arguments):
    """Sends one request and waits for its response; returns its Row."""
    pid = worker.process.pid
    sampler = _PeakPss(pid)
    start, cpu = time.perf_counter(), _cpu_seconds(pid)
    response = worker.request(request_id, arguments)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds(pid) - cpu
    peak = sampler.stop()
    if response.get("exitCode") != 0:
        raise SystemExit(f"request {request_id} ({label}) failed: {response}")
    return Row(label, seconds, cpu, _proc_kb(f"/proc/{pid}/status", "VmRSS") / 1024, peak)


def _summary(rows):
    rss = [r.rss_mb for r in rows]
    growth = rss[-1] - rss[0]
    print(f"worker RSS: first {rss[0]:.0f} MB, last {rss[-1]:.0f} MB, max {max(rss):.0f} MB, "
          f"growth {growth:+.0f} MB ({growth / max(len(rss) - 1, 1):+.2f} MB per request)")
    print("  after request " + ", ".join(
        f"{n}: {rss[n - 1]:.0f} MB" for n in (1, 10, 25, 50) if n <= len(rss)))
    print(f"process-tree PSS peak during a request: {max(r.peak_pss_mb for r in rows):.0f} MB")
    print(f"request 1 (waits for the worker's import too): {rows[0].seconds:.2f} s; "
          "the others, mean wall / CPU:")
    by_label = collections.defaultdict(list)
    for row in rows[1:]:
        by_label[row.label].append(row)
    for label, group in by_label.items():
        print(f"  {label:<13} {sum(r.seconds for r in group) / len(group):6.2f} s "
              f"{sum(r.cpu_seconds for r in group) / len(group):6.2f} s  ({len(group)} requests)")


def main(argv):
    del argv
    env = {"PYTHONPATH": REPO_ROOT, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    with tempfile.TemporaryDirectory() as workdir:
        frozen_args = json.loads(subprocess.run(
            [sys.executable, "-c", _MAKE_MODELS, workdir], check=True, capture_output=True,
            text=True, cwd=REPO_ROOT, env=env).stdout.splitlines()[-1])
        cycle = _cycle(workdir, frozen_args)
        rows = []
        with worker_process(env=env) as worker:
            for request_id in range(1, FLAGS.requests + 1):
                label, arguments = cycle[(request_id - 1) % len(cycle)]
                output = os.path.join(workdir, f"out{request_id}")
                rows.append(_measure(worker, request_id, label, [*arguments, output]))
                row = rows[-1]
                print(f"{request_id:3d} {label:<13} {row.seconds:6.2f} s (CPU "
                      f"{row.cpu_seconds:5.2f} s)  worker RSS {row.rss_mb:5.0f} MB  "
                      f"tree PSS peak {row.peak_pss_mb:5.0f} MB", flush=True)
            worker.close()
    _summary(rows)


if __name__ == "__main__":
    app.run(main)
