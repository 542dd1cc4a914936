"""Runs Bazel (tools/bazel: a Bazel >= 7 on PATH, else the offline sid root) from tests."""

import contextlib
import json
import os
import pathlib
import shutil
import subprocess

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
BAZEL = REPO_ROOT / "tools" / "bazel"


def bazel(workspace, *args, binds=(), check=True, timeout=1800, env=None):
    """Runs `tools/bazel ARGS` in `workspace`; `binds` are extra paths Bazel must see, `env`
    variables to set for it.

    Returns the CompletedProcess; its `stdout` holds Bazel's stdout and stderr, interleaved.
    """
    env = {**os.environ, **(env or {})}
    env["SID_BIND"] = ":".join(str(p) for p in (REPO_ROOT, *binds))
    result = subprocess.run([str(BAZEL), *args], cwd=workspace, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"bazel {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-6000:]}")
    return result


def spawns(execution_log: pathlib.Path):
    """The spawns of an --execution_log_json_file: a stream of JSON objects."""
    text = execution_log.read_text()
    decoder = json.JSONDecoder()
    position, found = 0, []
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        entry, position = decoder.raw_decode(text, position)
        found.append(entry)
    return found


def output_path(workspace, label_path, binds=()):
    """The host path of an output, e.g. output_path(ws, 'models/mobilenet_web')."""
    lines = bazel(workspace, "info", "bazel-bin", binds=binds).stdout.strip().splitlines()
    bin_dir = [line for line in lines if line.startswith("/")][-1]
    return pathlib.Path(bin_dir) / label_path


def copy_checkout(destination):
    """Copies the repository's tracked files to `destination`: a second checkout elsewhere."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    return destination


@contextlib.contextmanager
def expunged_afterwards(workspace, binds=()):
    """Yields `workspace`, then deletes its output base: every output base holds an unpacked
    converter environment (about 2 GB), and a temporary workspace's would never be used again."""
    try:
        yield workspace
    finally:
        bazel(workspace, "clean", "--expunge", binds=binds, check=False)
