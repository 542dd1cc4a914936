"""Published models under Bazel: `tfjs.remote_model` repositories fetched by Bazel's downloader
from an HTTP server on 127.0.0.1 that the test starts (tfhub.dev and Kaggle handles reach it
through an --experimental_downloader_config rewrite), converted and checked in TF.js; archives
that would write outside their repository refused; a second build with the server stopped."""

import contextlib
import hashlib
import os
import pathlib
import shutil
import tarfile

import numpy as np
import pytest

from tests.bazel.bazel_driver import REPO_ROOT, bazel, expunged_afterwards
from tests.converter import model_zoo
from tests.e2e_support import make_models
from tests.remote_models import archives, http_server

ESCAPED = "rules_tfjs_escaped"  # the name every malicious entry tries to write


def _entry(name, kind=tarfile.REGTYPE, data=b"x", link=""):
    return archives.member(name, kind, link), (data if kind == tarfile.REGTYPE else None)


MALICIOUS = {  # name: (members, strip_prefix, max_size_mb, the refused entry)
    "dotdot": ([_entry("saved_model.pb"), _entry(f"../../{ESCAPED}")], "", 0, f"../../{ESCAPED}"),
    "absolute": ([_entry(f"/tmp/{ESCAPED}")], "", 0, f"/tmp/{ESCAPED}"),
    "symlink_out": ([_entry("link", tarfile.SYMTYPE, link=f"../../../{ESCAPED}")], "", 0, "link"),
    "hardlink_out": ([_entry("link", tarfile.LNKTYPE, link=f"/etc/{ESCAPED}")], "", 0, "link"),
    "device": ([_entry("null", tarfile.CHRTYPE)], "", 0, "null"),
    "too_big": ([_entry("big", data=b"\0" * (2 << 20))], "", 1, "big"),
    "outside_prefix": ([_entry("model/saved_model.pb"), _entry("other/x")], "model", 0, "other/x"),
}


def _sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def _serve_models(root, work):
    """Writes the served files; returns {repository name: (url, sha256, strip_prefix)}."""
    tf1 = model_zoo.build_hub_tf1_module(work / "tf1")
    tf2 = model_zoo.build_hub_tf2_dir(work / "tf2")
    hub = root / "tfhub" / "rules-tfjs" / "tf1-module"
    hub.mkdir(parents=True)
    archives.tar(hub / "1", archives.files_of(tf1.input_path))
    kaggle = root / "kaggle" / "models" / "rules-tfjs" / "tf2" / "tensorFlow2" / "default"
    kaggle.mkdir(parents=True)
    archives.tar(kaggle / "1", archives.files_of(tf2.input_path))
    (root / "models").mkdir()
    archives.zip_archive(root / "models" / "saved_model.zip",
                         archives.files_of(tf2.input_path, "wrapped/"))
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    make_models.keras_file(tf, np, str(root / "models" / "classifier.keras"))
    port = "{port}"
    served = {
        "hub_tf1": ("https://tfhub.dev/rules-tfjs/tf1-module/1", hub / "1", ""),
        "kaggle_tf2": ("https://www.kaggle.com/models/rules-tfjs/tf2/tensorFlow2/default/1",
                       kaggle / "1", ""),
        "zip_tf2": (f"http://127.0.0.1:{port}/models/saved_model.zip",
                    root / "models" / "saved_model.zip", "wrapped"),
        "keras_file": (f"http://127.0.0.1:{port}/models/classifier.keras",
                       root / "models" / "classifier.keras", ""),
    }
    (root / "bad").mkdir()
    for name, (members, _, _, _) in MALICIOUS.items():
        archives.tar(root / "bad" / f"{name}.tar.gz", members)
    return {name: (url, _sha256(path), prefix) for name, (url, path, prefix) in served.items()}


MODELS_BUILD = """
load("@rules_tfjs//rules:defs.bzl", "tfjs_model_test", "tfjs_web_model")

[tfjs_web_model(name = name + "_web", src = "@%s//:model" % name, input_format = input_format)
 for name, input_format in [("hub_tf1", "tf_hub"), ("kaggle_tf2", "tf_hub"),
                            ("zip_tf2", "tf_saved_model"), ("keras_file", "keras_keras")]]

[tfjs_model_test(name = name + "_test", model = name + "_web")
 for name in ["hub_tf1", "kaggle_tf2", "zip_tf2", "keras_file"]]
"""


@pytest.fixture(scope="module")
def remote_workspace(tmp_path_factory):
    """(workspace, stop_server, served): a module using remote models from a server started here."""
    root, work = tmp_path_factory.mktemp("served"), tmp_path_factory.mktemp("models")
    served = _serve_models(root, work)
    stack = contextlib.ExitStack()
    base_url = stack.enter_context(http_server.serving(root))
    port = base_url.rsplit(":", 1)[1]
    workspace = tmp_path_factory.mktemp("remote")
    module = (REPO_ROOT / "e2e" / "bzlmod" / "MODULE.bazel").read_text().replace(
        'path = "../.."', f'path = "{REPO_ROOT}"')
    tags = [f'tfjs.remote_model(name = "{name}", url = "{url.format(port=port)}", '
            f'sha256 = "{sha}", strip_prefix = "{prefix}")'
            for name, (url, sha, prefix) in served.items()]
    for name, (_, prefix, max_size_mb, _) in MALICIOUS.items():
        tags.append(f'tfjs.remote_model(name = "bad_{name}", url = '
                    f'"http://127.0.0.1:{port}/bad/{name}.tar.gz", sha256 = '
                    f'"{_sha256(root / "bad" / f"{name}.tar.gz")}", strip_prefix = "{prefix}"'
                    + (f", max_size_mb = {max_size_mb})" if max_size_mb else ")"))
    # https (rewritten to the server): Bazel refuses plain http without a checksum by itself.
    tags.append('tfjs.remote_model(name = "no_sha256", url = "https://tfhub.dev/rules-tfjs/tf1-module/1")')
    tags.append(f'tfjs.remote_model(name = "wrong_sha256", url = '
                f'"http://127.0.0.1:{port}/models/classifier.keras", sha256 = "{"0" * 64}")')
    names = list(served) + [f"bad_{n}" for n in MALICIOUS] + ["no_sha256", "wrong_sha256"]
    module += "\n".join(tags) + "\nuse_repo(tfjs, " + ", ".join(f'"{n}"' for n in names) + ")\n"
    (workspace / "MODULE.bazel").write_text(module)
    (workspace / "BUILD.bazel").write_text(MODELS_BUILD)
    (workspace / "downloader.cfg").write_text(
        f"rewrite tfhub.dev/(.*) http://127.0.0.1:{port}/tfhub/$1\n"
        f"rewrite www.kaggle.com/(.*) http://127.0.0.1:{port}/kaggle/$1\n")
    shutil.copy(REPO_ROOT / "e2e" / "bzlmod" / ".bazelrc", workspace / ".bazelrc")
    with open(workspace / ".bazelrc", "a", encoding="utf-8") as rc:
        rc.write(f"common --experimental_downloader_config={workspace / 'downloader.cfg'}\n")
    with stack, expunged_afterwards(workspace, binds=[workspace]):
        yield workspace, stack.close, served


def _output_base(workspace):
    lines = bazel(workspace, "info", "output_base", binds=[workspace]).stdout.strip().splitlines()
    return pathlib.Path([line for line in lines if line.startswith("/")][-1])


def _refusals(name, output):
    """The lines of ``output`` saying that ``bad_<name>`` was refused for the entry it holds."""
    entry = MALICIOUS[name][3]
    return [line for line in output.splitlines()
            if f"remote_model \"bad_{name}\": http://127.0.0.1:" in line
            and f"refusing entry '{entry}'" in line]


def test_malicious_archives_are_refused_naming_the_entry(remote_workspace):
    workspace, _, _ = remote_workspace
    alone = bazel(workspace, "build", "@bad_dotdot//:model", binds=[workspace], check=False)
    assert alone.returncode != 0
    errors = [line for line in _refusals("dotdot", alone.stdout) if line.startswith("ERROR:")]
    assert len(errors) == 1, alone.stdout[-3000:]
    # The others in one build (--keep_going), as each Bazel command here costs seconds; Bazel
    # then prints some only as "Error in fail:" lines under the fetch's ERROR line.
    others = sorted(set(MALICIOUS) - {"dotdot"})
    result = bazel(workspace, "build", "--keep_going",
                   *[f"@bad_{name}//:model" for name in others], binds=[workspace], check=False)
    assert result.returncode != 0
    for name in others:
        assert _refusals(name, result.stdout), (name, result.stdout[-3000:])
    for output in (alone.stdout, result.stdout):
        assert '.py", line' not in output, "no Python traceback (Bazel prints its own for fail())"
    # Nothing escaped: no file of that name anywhere in the output base or in /tmp, /etc.
    escaped = [str(p) for p in _output_base(workspace).rglob(f"*{ESCAPED}*")]
    escaped += [p for p in (f"/tmp/{ESCAPED}", f"/etc/{ESCAPED}") if os.path.lexists(p)]
    assert not escaped, escaped


def test_missing_and_wrong_sha256_print_the_digests(remote_workspace):
    workspace, _, served = remote_workspace
    result = bazel(workspace, "build", "@no_sha256//:model", binds=[workspace], check=False)
    assert result.returncode != 0
    assert f'sha256 = "{served["hub_tf1"][1]}",' in result.stdout, result.stdout[-3000:]
    assert "sha256 is required" in result.stdout
    digest = served["keras_file"][1]
    result = bazel(workspace, "build", "@wrong_sha256//:model", binds=[workspace], check=False)
    assert result.returncode != 0
    assert digest in result.stdout and "0" * 64 in result.stdout, result.stdout[-3000:]


def test_remote_models_convert_and_match_tensorflow_then_build_without_the_server(
        remote_workspace):
    workspace, stop_server, _ = remote_workspace
    result = bazel(workspace, "test", "//...", binds=[workspace])
    for name in ("hub_tf1", "kaggle_tf2", "zip_tf2", "keras_file"):
        assert any(f"//:{name}_test" in line and "PASSED" in line
                   for line in result.stdout.splitlines()), (name, result.stdout[-3000:])
    stop_server()
    # Fetched again, the models can only come from the repository cache.
    repos = [f"--repo=@{name}" for name in ("hub_tf1", "kaggle_tf2", "zip_tf2", "keras_file")]
    bazel(workspace, "fetch", "--force", *repos, binds=[workspace])
    result = bazel(workspace, "build", "//...", binds=[workspace])
    assert "Build completed successfully" in result.stdout
