"""The release archive (tools/release/make_release.py): reproducible, holding what the public
rules reach and nothing of the tests, and usable by a consumer that downloads it."""

import io
import re
import subprocess
import sys
import tarfile

import pytest

from tests.bazel.bazel_driver import REPO_ROOT, bazel, expunged_afterwards
from tests.remote_models import http_server
from tools.release import make_release as release_script

SCRIPT = REPO_ROOT / "tools" / "release" / "make_release.py"
VERSION = re.search(r'module\([^)]*?version = "([^"]+)"', (REPO_ROOT / "MODULE.bazel").read_text(),
                    re.S).group(1)
PREFIX = f"rules_tfjs-{VERSION}/"
# Read only by the `dev` extension of MODULE.bazel, which Bazel never evaluates for a module
# that is not the root.
DEV_ONLY = {"//tests/js:package.json", "//tests/js:package-lock.json"}
_LABELS = re.compile(r'(?:load\(|Label\(|default = \[?)\s*"((?:@rules_tfjs)?//[^"]*|:[^"]+\.bzl)"'
                     r'|"(//(?!visibility:)[\w/.-]*:[\w/.-]+)"')


def make_release(out_dir, *args):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out_dir), *args],
                            capture_output=True, text=True, check=True)
    return out_dir / f"rules_tfjs-{VERSION}.tar.gz", result.stdout


def archive_files(archive):
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def test_two_runs_give_the_same_bytes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = make_release(tmp_path / "a")
    second, _ = make_release(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_version_argument_is_the_module_version(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--version", "9.8.7"],
                   capture_output=True, check=True)
    files = archive_files(tmp_path / "rules_tfjs-9.8.7.tar.gz")
    assert 'version = "9.8.7"' in files["rules_tfjs-9.8.7/MODULE.bazel"].decode()
    assert 'VERSION = "9.8.7"' in files["rules_tfjs-9.8.7/tools/converter/version.py"].decode()


def test_converter_states_the_module_version():
    assert len(set(release_script.versions().values())) == 1, release_script.versions()


def test_archive_holds_what_the_rules_reach_and_no_tests(tmp_path):
    archive, _ = make_release(tmp_path)
    files = archive_files(archive)
    assert all(name.startswith(PREFIX) for name in files)
    names = {name[len(PREFIX):] for name in files}
    for name in names:
        assert not name.startswith(("tests/", "bench/", "examples/", "models/", ".ci/")), name
        assert not name.startswith("e2e/") or name.startswith("e2e/smoke/"), name
        assert "node_modules" not in name and "__pycache__" not in name, name
    assert {"MODULE.bazel", "rules/defs.bzl", "rules/extensions.bzl", "rules/repositories.bzl",
            "tools/converter/BUILD.bazel", "tools/js/package-lock.json"} <= names
    for name in sorted(names):
        if name.startswith("e2e/") or not name.endswith(("MODULE.bazel", ".bzl", "BUILD.bazel")):
            continue
        package = name.rsplit("/", 1)[0] if "/" in name else ""
        for match in _LABELS.finditer(files[PREFIX + name].decode()):
            label = (match.group(1) or match.group(2)).removeprefix("@rules_tfjs")
            if label in DEV_ONLY:
                continue
            if label.startswith(":"):
                label = f"//{package}{label}"
            label_package, target = label[2:].split(":") if ":" in label else (label[2:], "")
            if "." in target:  # a file
                assert f"{label_package}/{target}".lstrip("/") in names, (name, label)
            else:
                assert f"{label_package}/BUILD.bazel".lstrip("/") in names, (name, label)


def _saved_model(path):
    """A small SavedModel: relu(x @ w + b) with seeded weights."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    rng = tf.random.Generator.from_seed(7)
    module = tf.Module()
    module.w = tf.Variable(rng.normal([3, 2]))
    module.b = tf.Variable(rng.normal([2]))
    module.serve = tf.function(lambda x: {"y": tf.nn.relu(tf.matmul(x, module.w) + module.b)},
                               input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})


_EXTRA_BUILD = """
# A SavedModel the test wrote with TensorFlow.
filegroup(
    name = "saved",
    srcs = glob(["saved/**"]),
)

tfjs_web_model(
    name = "dense_web",
    src = ":saved",
)

tfjs_model_test(
    name = "dense_web_test",
    model = ":dense_web",
)
"""


@pytest.fixture(scope="module")
def served_release(tmp_path_factory):
    """The archive served on 127.0.0.1; yields (its files, MODULE.bazel snippet, WORKSPACE
    snippet)."""
    root = tmp_path_factory.mktemp("release")
    with http_server.serving(root) as url:
        archive, printed = make_release(root, "--url", f"{url}/rules_tfjs-{VERSION}.tar.gz")
        module, workspace = printed.split("# MODULE.bazel\n")[1].split("# WORKSPACE\n")
        yield archive_files(archive), module, workspace


def test_consumer_of_the_served_archive_converts_and_tests(served_release, tmp_path):
    """The archive's e2e/smoke module, plus a SavedModel, depending on rules_tfjs through the
    printed MODULE.bazel snippet (archive_override) instead of a local path. (The WORKSPACE
    snippet, http_archive, passed the same test once; it is left out to keep the suite short.)"""
    files, module, _ = served_release
    consumer = tmp_path / "consumer"
    for name, data in files.items():
        if name.startswith(PREFIX + "e2e/smoke/"):
            (consumer / name[len(PREFIX + "e2e/smoke/"):]).parent.mkdir(parents=True, exist_ok=True)
            (consumer / name[len(PREFIX + "e2e/smoke/"):]).write_bytes(data)
    (consumer / "MODULE.bazel").write_text('module(name = "consumer")\n\n' + module)
    with open(consumer / "BUILD.bazel", "a", encoding="utf-8") as build:
        build.write(_EXTRA_BUILD)
    _saved_model(consumer / "saved")
    with expunged_afterwards(consumer):
        result = bazel(consumer, "test", "//...")
    for test in ("//:relu_web_test", "//:dense_web_test"):
        assert any(test in line and "PASSED" in line for line in result.stdout.splitlines()), (
            test, result.stdout[-3000:])
