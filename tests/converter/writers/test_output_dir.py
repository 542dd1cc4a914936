"""What a user sees while the weights are written: progress on stderr for large conversions (one
line rewritten in place on a terminal), and one line, with nothing left behind, when the
output's disk fills up."""

import os
import pty
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.converter import tfjs



@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """x @ w0 + ... + x @ w3: four 64 KB weights."""
    path = tmp_path_factory.mktemp("model") / "saved"
    rng = np.random.default_rng(0)
    module = tf.Module()
    module.weights = [tf.Variable(rng.standard_normal((1024, 16), np.float32)) for _ in range(4)]
    module.serve = tf.function(lambda x: tf.add_n([tf.matmul(x, w) for w in module.weights]),
                               input_signature=[tf.TensorSpec([None, 1024])])
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return path


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KB tmpfs (the tests run as root): too small for the model's weights."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_full_disk_fails_in_one_line_and_leaves_nothing(saved_model, small_disk):
    result = tfjs.convert(saved_model, small_disk / "web", check=False)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(
        f"tfjs_converter: error: no space left on the disk of {small_disk / 'web'} (No space "
        "left on device) while writing group1-shard1of1.bin, after "), result.stderr
    assert result.stderr.endswith(" bytes; nothing was kept\n")
    assert not list(small_disk.iterdir())


def test_progress_is_one_line_per_quarter_when_stderr_is_a_file(saved_model, tmp_path):
    quiet = tfjs.convert(saved_model, tmp_path / "quiet")
    assert quiet.stderr == ""  # below the default 256 MB
    shown = tfjs.convert(saved_model, tmp_path / "shown", "--progress_min_bytes=1000")
    assert shown.stderr.splitlines() == [
        f"tfjs_converter: writing weights: {kb}.00 KB of 256.00 KB ({kb * 100 // 256}%)"
        for kb in (64, 128, 192, 256)]


def test_progress_rewrites_one_line_on_a_terminal(saved_model, tmp_path):
    controller, terminal = pty.openpty()
    subprocess.run([sys.executable, "-m", "tools.converter", "--progress_min_bytes=1000",
                    "--weight_shard_size_bytes=65536", str(saved_model), str(tmp_path / "web")],
                   stderr=terminal, check=True, cwd=tfjs.REPO_ROOT,
                   env={"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin"})
    os.close(terminal)
    shown = b""
    while True:
        try:
            data = os.read(controller, 1 << 16)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not data:
            break
        shown += data
    os.close(controller)
    assert shown.decode() == "".join(
        f"\rtfjs_converter: writing weights: {kb}.00 KB of 256.00 KB ({kb * 100 // 256}%)"
        for kb in (64, 128, 192, 256)) + "\r\n"
