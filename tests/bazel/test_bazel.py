"""Bazel end to end: the repository's own Bazel tests, both e2e workspaces, caching and
reproducibility of conversions, and failing conversions reported by `bazel build`."""

import hashlib
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.bazel.bazel_driver import (REPO_ROOT, bazel, copy_checkout, expunged_afterwards,
                                     output_path, spawns)
from tests.bazel.remote_cache import nginx_webdav_cache
from tests.remote_models import archives, http_server

DEMO = "//models:mobilenet_web"


def test_repository_bazel_tests_pass():
    """Analysis tests of the rules, the demo models' tfjs_model_tests, the static site and demo
    page tests, tfjs_bundle's tests, the page in Chromium, and the README's rule docs."""
    result = bazel(REPO_ROOT, "test", "//...")
    for test in ("//examples/web:site_test", "//examples/web:page_test",
                 "//examples/web:browser_test",
                 "//examples/web:bundle_deterministic_test", "//tests/js:select_kernels_test",
                 "//tests/analysis:bundle_actions_test", "//tests/analysis:action_test",
                 "//tests/analysis:reference_action_test", "//tests/analysis:webgl_test",
                 "//models:mobilenet_web_test", "//models:mobilenet_web_float16_test",
                 "//models:mobilenet_web_uint8_test",
                 "//tests/analysis:providers_test", "//tests/analysis:layers_test",
                 "//tests/analysis:chained_test",
                 "//tests/analysis:layers_from_saved_model_test", "//tools/docs:readme_test"):
        assert any(test in line and "PASSED" in line for line in result.stdout.splitlines()), test


@pytest.fixture(scope="module")
def e2e_published_model(tmp_path_factory):
    """Serves the e2e workspaces' remote_loop (the loop SavedModel, a .tar.gz at the TF-Hub
    handle they name) on 127.0.0.1; yields a downloader config rewriting tfhub.dev to it."""
    root = tmp_path_factory.mktemp("published")
    subprocess.run([sys.executable, "-m", "tests.e2e_support.make_models", "loop_saved_model",
                    str(root / "model")], check=True, cwd=REPO_ROOT, capture_output=True,
                   env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    archive = root / "tfhub" / "rules-tfjs" / "e2e-loop" / "1"
    archive.parent.mkdir(parents=True)
    archives.tar(archive, archives.files_of(root / "model"))
    declared = re.search(r'sha256 = "([0-9a-f]{64})"',
                         (REPO_ROOT / "e2e" / "bzlmod" / "MODULE.bazel").read_text()).group(1)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert digest == declared, (
        f"the published e2e model's sha256 is now {digest} (TensorFlow writes other bytes?): "
        "put it in e2e/bzlmod/MODULE.bazel and e2e/workspace/WORKSPACE")
    with http_server.serving(root) as url:
        config = root / "downloader.cfg"
        config.write_text(f"rewrite tfhub.dev/(.*) {url}/tfhub/$1\n")
        yield config


@pytest.mark.parametrize("workspace", ["bzlmod", "workspace"])
def test_e2e_workspace_converts_and_tfjs_matches_tensorflow(workspace, e2e_published_model):
    result = bazel(REPO_ROOT / "e2e" / workspace, "test", "//...", "//:remote_loop_web_test",
                   f"--experimental_downloader_config={e2e_published_model}",
                   binds=[e2e_published_model.parent])
    for test in ("//:loop_web_test", "//:frozen_web_test", "//:keras_layers_web_test",
                 "//:keras_graph_web_test", "//:remote_loop_web_test"):
        assert any(test in line and "PASSED" in line for line in result.stdout.splitlines()), (
            test, result.stdout[-3000:])


def test_model_test_fails_with_one_line_per_output_and_backend():
    """uint8 weights cannot give TensorFlow's numbers to 1e-7: the test says where and by how much."""
    target = "//models:mobilenet_web_uint8_exact_test"
    result = bazel(REPO_ROOT, "test", target, "--test_output=errors", check=False)
    assert result.returncode == 3, result.stdout[-3000:]  # 3: the build passed, a test failed
    lines = [line for line in result.stdout.splitlines()
             if line.startswith("output 'output_0' on cpu: largest error ")]
    assert len(lines) == 1, result.stdout[-3000:]
    assert "exceeds the tolerance atol 1e-7 + rtol 0 * |expected| = 1.000e-7" in lines[0]
    assert " at [0, " in lines[0] and "(TF.js " in lines[0] and ", TensorFlow " in lines[0]


def _convert_spawns(log):
    converts = [s for s in spawns(log) if s.get("mnemonic") == "TfjsConvert"]
    assert converts, "no TfjsConvert action ran"
    return converts


@pytest.fixture(scope="module")
def cached_demo_build(tmp_path_factory):
    """The demo built from clean with a disk cache and a remote cache (nginx, kept running):
    yields (the disk cache flag, the remote cache flags, the build's execution log, the paths
    Bazel must see). One first build fills both caches, for the two tests below."""
    root = tmp_path_factory.mktemp("caches")
    disk = f"--disk_cache={root / 'disk cache'}"
    with nginx_webdav_cache(root / "nginx") as url:
        remote = [f"--remote_cache={url}", "--remote_upload_local_results"]
        bazel(REPO_ROOT, "clean")  # so that the first build runs (and caches) every action
        bazel(REPO_ROOT, "build", DEMO, disk, *remote,
              f"--execution_log_json_file={root / 'first.json'}", binds=[root])
        yield disk, remote, root / "first.json", root


def test_clean_rebuild_hits_the_disk_cache(cached_demo_build, tmp_path):
    disk, _, _, root = cached_demo_build
    log = tmp_path / "exec.json"
    bazel(REPO_ROOT, "clean")
    bazel(REPO_ROOT, "build", DEMO, disk, f"--execution_log_json_file={log}",
          binds=[root, tmp_path])
    converts = _convert_spawns(log)
    assert converts and all(s["cacheHit"] for s in converts), converts


def _cache_misses(first_log, second_log):
    """The spawns of the second build that missed the cache, each with the inputs whose digests
    differ from those of the first build's spawn with the same outputs: why it missed."""
    def outputs(spawn):
        return tuple(sorted(o["path"] for o in spawn.get("actualOutputs", [])))

    def inputs(spawn):
        return {i["path"]: i.get("digest", {}).get("hash") for i in spawn.get("inputs", [])}

    first = {outputs(s): inputs(s) for s in spawns(first_log) if s.get("remotable")}
    misses = []
    for spawn in spawns(second_log):
        if spawn.get("remotable") and not spawn["cacheHit"]:
            before, now = first.get(outputs(spawn), {}), inputs(spawn)
            differing = sorted(p for p in before.keys() | now.keys() if before.get(p) != now.get(p))
            misses.append((spawn.get("mnemonic"), differing[:10]))
    return misses


def test_second_checkout_hits_the_remote_cache_and_builds_identical_bytes(
        cached_demo_build, tmp_path):
    _, flags, first_log, root = cached_demo_build
    checkout = copy_checkout(tmp_path / "another checkout")
    second_log = tmp_path / "second.json"
    with expunged_afterwards(checkout, binds=[tmp_path]):
        result = bazel(checkout, "build", DEMO, *flags,
                       f"--execution_log_json_file={second_log}", binds=[tmp_path, root])
        second = output_path(checkout, "models/mobilenet_web", binds=[tmp_path, root])
        second_files = {name: (second / name).read_bytes() for name in os.listdir(second)}
    assert _convert_spawns(second_log)
    misses = _cache_misses(first_log, second_log)  # all of them, to say why a conversion missed
    assert not [m for m in misses if m[0] == "TfjsConvert"], misses
    assert "remote cache hit" in result.stdout
    first = output_path(REPO_ROOT, "models/mobilenet_web")
    assert {name: (first / name).read_bytes() for name in os.listdir(first)} == second_files
    assert "model.json" in second_files


FAILING_BUILD = """
load("@rules_tfjs//rules:defs.bzl", "tfjs_model_test", "tfjs_web_model")
load("@rules_tfjs//tests/e2e_support:defs.bzl", "e2e_model")

e2e_model(name = "loop", kind = "loop_saved_model")
tfjs_web_model(name = "wrong_signature", src = ":loop", signature_name = "nope")
e2e_model(name = "det", kind = "unsupported_op", visibility = ["//bad:__pkg__"])
tfjs_web_model(name = "unsupported", src = ":det")
tfjs_web_model(name = "loop_web", src = ":loop")
tfjs_model_test(name = "unknown_input_test", model = ":loop_web", inputs = {"img": "img.json"})
"""

# In a package of its own: a bad attribute value stops its whole package from loading.
BAD_FORMAT_BUILD = """
load("@rules_tfjs//rules:defs.bzl", "tfjs_web_model")

tfjs_web_model(name = "bad_format", src = "//:det", input_format = "onnx")
"""


@pytest.fixture(scope="module")
def failing_workspace(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("failing")
    module = (REPO_ROOT / "e2e" / "bzlmod" / "MODULE.bazel").read_text()
    (workspace / "MODULE.bazel").write_text(module.replace('path = "../.."', f'path = "{REPO_ROOT}"'))
    (workspace / "BUILD.bazel").write_text(FAILING_BUILD)
    (workspace / "img.json").write_text("[1, 2, 3]")
    (workspace / "bad").mkdir()
    (workspace / "bad" / "BUILD.bazel").write_text(BAD_FORMAT_BUILD)
    shutil.copy(REPO_ROOT / "e2e" / "bzlmod" / ".bazelrc", workspace / ".bazelrc")
    with expunged_afterwards(workspace, binds=[workspace]):
        yield workspace


# Each target's failure and the one line that must say why. They build in one Bazel command
# (--keep_going): each command costs 20 s or more here.
FAILURES = {
    "//:wrong_signature": "tfjs_converter: error: signature 'nope' does not exist; available "
                          "signatures: serving_default (set --signature_name)",
    "//:unsupported": "tfjs_converter: error: ops not supported by TensorFlow.js 4.22: "
                      "MatrixDeterminant (node '",
    # A tfjs_model_test naming an input the model lacks: its reference action fails.
    "//:unknown_input_test": "tfjs_reference_outputs: error: 'img' is not an input of the "
                             "model; its inputs: steps, x",
}


def test_failing_conversions_and_references_fail_the_build_with_the_tools_line(
        failing_workspace):
    result = bazel(failing_workspace, "test", "--keep_going", *FAILURES,
                   binds=[failing_workspace], check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    for target, message in FAILURES.items():
        lines = [line for line in result.stdout.splitlines() if message in line]
        assert len(lines) == 1, (target, result.stdout[-4000:])
    assert "Traceback" not in result.stdout


def test_bad_input_format_is_an_analysis_error_naming_the_allowed_values(failing_workspace):
    result = bazel(failing_workspace, "build", "//bad:bad_format", binds=[failing_workspace],
                   check=False)
    assert result.returncode != 0
    assert ("invalid value in 'input_format' attribute: has to be one of 'tf_saved_model', "
            "'tf_frozen_model', 'tf_hub', 'keras', 'keras_keras', 'keras_saved_model' or "
            "'tfjs_layers_model' instead of 'onnx'") in result.stdout, result.stdout[-3000:]


def test_an_execution_platform_of_another_kind_is_refused(failing_workspace):
    """The converter's wheels are Linux x86_64 builds: the toolchain names its constraints."""
    result = bazel(failing_workspace, "build", "//:wrong_signature",
                   "--host_platform=@rules_tfjs//tests/platforms:linux_arm64",
                   binds=[failing_workspace], check=False)
    assert result.returncode != 0
    assert "No matching toolchains found for types @@rules_tfjs~//rules/toolchain:type" in (
        result.stdout), result.stdout[-3000:]
