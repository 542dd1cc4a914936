"""A remote-execution engine (REAPI) for Bazel tests, on 127.0.0.1: PostgreSQL, BuildGrid's
server, and a buildbox worker (buildbox-casd + buildbox-worker running each action with
buildbox-run-hosttools). All of it runs in tools/bazel's Debian sid root, where
tools/bootstrap/remote_execution.sh installs it, each process through sid_run.sh in a mount
namespace of its own; the network is shared, so Bazel reaches the server on loopback.

Actions run as root, unsandboxed, in the sid root's file system (the same /usr/bin/python3.13
that local actions see), with only the environment the action itself sets (--clearenv).
"""

import contextlib
import dataclasses
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

from tests.bazel.bazel_driver import REPO_ROOT
from tests.bazel.loopback import free_port, listening

SID_ROOT = pathlib.Path(os.environ.get("RULES_TFJS_SIDROOT", "/opt/rules_tfjs-sidroot"))
SID_RUN = REPO_ROOT / "tools" / "bootstrap" / "sid_run.sh"
SETUP = REPO_ROOT / "tools" / "bootstrap" / "remote_execution.sh"
# What sid_run.sh mounts or the root holds that no remote machine has: Bazel's output user root
# (under both of its paths) and the project cache.
HIDDEN_FROM_ACTIONS = (SID_ROOT / "var/cache/bazel", "/var/cache/bazel",
                        os.environ.get("RULES_TFJS_CACHE", "/opt/rules_tfjs-cache"))

# BuildGrid answers RESOURCE_EXHAUSTED past `maximum-concurrent-rpcs` (default: its thread pool,
# 5 per core); Bazel uploads an action's inputs with many concurrent writes.
_SERVER_CONFIG = """
thread-pool-size: 20
maximum-concurrent-rpcs: 100000
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
connections:
  - !sql-connection &sql
    connection-string: {database}
    pool-size: 5
    pool-timeout: 30
    max-overflow: 10
storages:
  - !disk-storage &main-storage
    path: {root}/cas
caches:
  - !lru-action-cache &main-action
    storage: *main-storage
    max-cached-refs: 1024
    allow-updates: true
    cache-failed-actions: false
schedulers:
  - !sql-scheduler &state-database
    sql: *sql
    storage: *main-storage
    action-cache: *main-action
    property-set: !dynamic-property-set
      match-property-keys: []
      wildcard-property-keys: []
    assigners:
      - !priority-age-assigner
        count: 1
        interval: 0.5
instances:
  - name: ""
    services:
      - !action-cache
        cache: *main-action
      - !execution
        scheduler: *state-database
      - !cas
        storage: *main-storage
      - !bytestream
        storage: *main-storage
"""


def _mount_namespace(pid):
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/{pid}/ns/mnt")
    return None


def _processes_in(namespaces):
    """PIDs of the live processes in any of these mount namespaces."""
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and _mount_namespace(entry) in namespaces]


@dataclasses.dataclass
class _Daemon:
    name: str
    process: subprocess.Popen
    log: pathlib.Path
    stop_signal: int
    namespace: str = None  # known once it is ready


@dataclasses.dataclass
class RemoteEngine:
    """A running engine: `url` for --remote_executor; actions run in directories under `root`."""
    url: str
    root: pathlib.Path
    daemons: list

    def memory_kib(self):
        """Memory of each part, all its processes (proportional set size: shared pages split)."""
        sizes = {}
        for daemon in self.daemons:
            sizes[daemon.name] = 0
            for pid in _processes_in({daemon.namespace}):
                with contextlib.suppress(OSError):
                    rollup = pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text()
                    sizes[daemon.name] += sum(int(line.split()[1]) for line in rollup.splitlines()
                                              if line.startswith("Pss:"))
        return sizes

    def running(self):
        """PIDs of the processes still running in the engine's mount namespaces."""
        return _processes_in({d.namespace for d in self.daemons if d.namespace})


class _KilledAtStart(RuntimeError):
    """A daemon was ended by SIGKILL before it was ready."""


def _wait_until(daemon, ready, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not ready():
        if daemon.process.poll() is not None or time.monotonic() > deadline:
            state = (f"exited with {daemon.process.returncode}"
                     if daemon.process.returncode is not None else "timed out")
            tail = daemon.log.read_text(errors="replace")[-4000:]
            error = (_KilledAtStart if daemon.process.returncode == -signal.SIGKILL
                     else RuntimeError)
            raise error(f"{daemon.name} {state} before {what}:\n{tail}")
        time.sleep(0.2)
    daemon.namespace = _mount_namespace(daemon.process.pid)


def _log_says(daemon, text):
    return lambda: text in daemon.log.read_text(errors="replace")


def _stop(daemons):
    """Stops each daemon by its PID, last started first, then kills what is left in their
    namespaces (PostgreSQL's backends, an action the worker was running)."""
    for daemon in reversed(daemons):
        if daemon.process.poll() is None:
            daemon.namespace = daemon.namespace or _mount_namespace(daemon.process.pid)
            daemon.process.send_signal(daemon.stop_signal)
            try:
                daemon.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.process.kill()
                daemon.process.wait()
    # Never ours: a daemon stopped before sid_run.sh made its namespace is still in this one.
    namespaces = {d.namespace for d in daemons} - {None, _mount_namespace(os.getpid())}
    deadline = time.monotonic() + 20
    while (left := _processes_in(namespaces)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    if left:
        raise RuntimeError(f"processes of the remote engine still running: {left}")


def _start(root, daemons):
    """Starts an empty engine under ROOT (a new directory), adding its daemons to DAEMONS;
    returns the RemoteEngine."""
    venv = subprocess.run([str(SETUP)], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.strip()
    bin_dir = max(SID_ROOT.glob("usr/lib/postgresql/*/bin"), key=lambda p: int(p.parent.name))
    postgres_bin = "/" + str(bin_dir.relative_to(SID_ROOT))
    root.mkdir(parents=True)
    root = root.resolve()
    (root / "postgres").mkdir()
    db_port, server_port, casd_port = free_port(), free_port(), free_port()
    database = f"postgresql://bgd@127.0.0.1:{db_port}/postgres"
    (root / "server.yml").write_text(
        _SERVER_CONFIG.format(port=server_port, database=database, root=root))
    env = {k: v for k, v in os.environ.items() if k != "SID_BIND"}  # mount ROOT only

    def sid(command):  # sid_run.sh mounts its current directory, ROOT
        subprocess.run([str(SID_RUN), command], cwd=root, env=env, check=True)

    def start(name, command, stop_signal=signal.SIGTERM):
        """Starts COMMAND, which ends by exec'ing the daemon: the PID is the daemon's."""
        log = root / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([str(SID_RUN), command], cwd=root, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        daemons.append(_Daemon(name, process, log, stop_signal))
        return daemons[-1]

    as_postgres = "setpriv --reuid=postgres --regid=postgres --clear-groups --"
    sid(f"chown postgres: postgres && {as_postgres} {postgres_bin}/initdb -D postgres -U bgd "
        "--auth=trust --no-locale -E UTF8 >initdb.log 2>&1")
    # SIGINT: fast shutdown. No Unix socket: BuildGrid connects over TCP.
    postgres = start("postgres", f"exec {as_postgres} {postgres_bin}/postgres -D postgres "
                     f"-p {db_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=",
                     signal.SIGINT)
    _wait_until(postgres, _log_says(postgres, "ready to accept connections"),
                "accepting connections")
    sid(f"{venv}/bin/bgd migrate apply {database} >migrate.log 2>&1")
    server = start("server", f"exec {venv}/bin/bgd server start server.yml")
    _wait_until(server, lambda: listening(server_port), "listening")
    # The cache path is absolute: casd opens its blobs by that path from other directories.
    casd = start("casd", f"exec buildbox-casd --cas-remote=http://127.0.0.1:{server_port} "
                 f"--bind=127.0.0.1:{casd_port} --quota-high=20G --reserved=0 "
                 f"--log-level=info {root}/casd-cache")
    _wait_until(casd, lambda: listening(casd_port), "listening")
    # casd stages each action's inputs in a new directory of its cache, by hard links: not
    # by FUSE (its default), which it would mount in its own namespace only; not in one
    # --workspace-path, which it empties only after the runner has exited, so that the
    # next action finds it full.
    # An action sees the sid root and its inputs, not what a remote machine would lack:
    # whatever it reads outside its declared inputs fails here as it would remotely.
    # --verbose: the line saying that the bot session exists is a debug one.
    hide = "".join(f"[ ! -d {p} ] || mount -t tmpfs -o ro none {p} || exit 1\n"
                   for p in HIDDEN_FROM_ACTIONS)
    worker = start("worker", hide +
                   f"exec buildbox-worker --bots-remote=http://127.0.0.1:{server_port} "
                   f"--cas-remote=http://127.0.0.1:{casd_port} "
                   "--buildbox-run=/usr/bin/buildbox-run-hosttools "
                   "--runner-arg=--clearenv "
                   "--runner-arg=--staging-mode=copy-or-link "
                   "--max-wait-time=10 --graceful-shutdown-timeout=1 --verbose bot")
    _wait_until(worker, _log_says(worker, "Bot Session created"), "registering")
    return RemoteEngine(f"grpc://127.0.0.1:{server_port}", root, daemons)


@contextlib.contextmanager
def remote_engine(root):
    """Starts an empty engine under ROOT (a new directory); yields a RemoteEngine. On exit,
    also after an error, every process it started is ended and its stores are deleted."""
    daemons = []
    try:
        try:
            engine = _start(root, daemons)
        except _KilledAtStart as e:
            # Seen once in four full test runs: BuildGrid's server got SIGKILL as it started,
            # from nothing of the engine's own and not from the OOM killer. Start once more.
            print(f"remote engine: {e.args[0].splitlines()[0]}; starting it again",
                  file=sys.stderr)
            _stop(daemons)
            daemons.clear()
            root.rename(root.with_name(root.name + ".killed"))  # its logs stay
            engine = _start(root, daemons)
        yield engine
    finally:
        _stop(daemons)
        for store in ("cas", "casd-cache", "postgres"):  # gigabytes; the logs stay
            shutil.rmtree(root / store, ignore_errors=True)
