"""The converter's tf_hub input given as an http URL: downloaded from a server on 127.0.0.1
into tensorflow_hub's cache, converted exactly as the local directory is, then reused."""

import hashlib
import os
import pathlib

import pytest

from tests.bazel import loopback
from tests.converter import keras_support, model_zoo, tfjs
from tests.remote_models import archives
from tests.remote_models import http_server

TF1_PATH = "google/tf1_module/1"  # served as is: the query tf-hub-format=compressed is ignored
TF2_PATH = "models/tf2.zip"
KERAS_PATH = "models/dense.keras"


def _tar_gz(directory, archive):
    archives.tar(archive, archives.files_of(directory))


def _zip(directory, archive):
    archives.zip_archive(archive, archives.files_of(directory))


def _files(directory):
    return {p.name: p.read_bytes() for p in pathlib.Path(directory).iterdir()}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The served directory, and per model its flags and the local conversion's files."""
    workdir = tmp_path_factory.mktemp("models")
    root = tmp_path_factory.mktemp("served")
    models = {}
    for name, path, pack in (("hub_tf1_module", TF1_PATH, _tar_gz),
                             ("hub_tf2_dir", TF2_PATH, _zip)):
        case = model_zoo.build(name, workdir)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        pack(case.input_path, root / path)
        tfjs.convert(case.input_path, workdir / f"{name}_web", *case.flags)
        models[path] = (case.flags, _files(workdir / f"{name}_web"))
    keras = keras_support.keras_module("keras3")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    model.save(root / KERAS_PATH)
    flags = ("--input_format=keras_keras",)
    tfjs.convert(root / KERAS_PATH, workdir / "keras_web", *flags)
    models[KERAS_PATH] = (flags, _files(workdir / "keras_web"))
    return root, models


def _cache(tmp_path):
    return {"TFHUB_CACHE_DIR": str(tmp_path / "cache")}


def _one_error(result, *texts):
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("tfjs_converter: error: "), result.stderr
    for text in texts:
        assert text in lines[-1], lines[-1]
    return lines


def test_tf1_module_by_hub_url_then_from_the_cache(served, tmp_path):
    root, models = served
    flags, expected = models[TF1_PATH]
    with http_server.serving(root) as base:
        url = f"{base}/{TF1_PATH}"
        first = tfjs.convert(url, tmp_path / "web", *flags, env=_cache(tmp_path))
    assert first.stderr.splitlines() == [
        f"tfjs_converter: downloading {url}?tf-hub-format=compressed "
        f"({os.path.getsize(root / TF1_PATH) / 1e6:.1f} MB) -> {tmp_path / 'cache'}"]
    assert _files(tmp_path / "web") == expected
    module_dir = tmp_path / "cache" / hashlib.sha1(url.encode()).hexdigest()
    assert (module_dir / "tfhub_module.pb").is_file()

    again = tfjs.convert(url, tmp_path / "web2", *flags, env=_cache(tmp_path))  # server stopped
    assert again.stderr == ""
    assert _files(tmp_path / "web2") == expected


def test_tf2_zip_with_its_sha256(served, tmp_path):
    root, models = served
    flags, expected = models[TF2_PATH]
    digest = hashlib.sha256((root / TF2_PATH).read_bytes()).hexdigest()
    with http_server.serving(root) as base:
        tfjs.convert(f"{base}/{TF2_PATH}", tmp_path / "web", *flags, f"--hub_sha256={digest}",
                     env=_cache(tmp_path))
    assert _files(tmp_path / "web") == expected


def test_keras_file_by_url(served, tmp_path):
    root, models = served
    flags, expected = models[KERAS_PATH]
    with http_server.serving(root) as base:
        url = f"{base}/{KERAS_PATH}"
        result = tfjs.convert(url, tmp_path / "web", *flags, env=_cache(tmp_path))
    assert result.stderr.startswith(f"tfjs_converter: downloading {url} ("), result.stderr
    assert _files(tmp_path / "web") == expected


def test_wrong_sha256_caches_nothing(served, tmp_path):
    root, models = served
    flags, _ = models[TF2_PATH]
    digest = hashlib.sha256((root / TF2_PATH).read_bytes()).hexdigest()
    with http_server.serving(root) as base:
        url = f"{base}/{TF2_PATH}"
        result = tfjs.convert(url, tmp_path / "web", *flags, f"--hub_sha256={'0' * 64}",
                              env=_cache(tmp_path), check=False)
    lines = _one_error(result, url, digest, "0" * 64)
    assert len(lines) == 2 and lines[0].startswith("tfjs_converter: downloading "), lines
    assert os.listdir(tmp_path / "cache") == []
    assert not (tmp_path / "web").exists()


def test_missing_model_is_one_line(served, tmp_path):
    root, models = served
    flags, _ = models[TF1_PATH]
    with http_server.serving(root) as base:
        url = f"{base}/google/nope/1"
        result = tfjs.convert(url, tmp_path / "web", *flags, env=_cache(tmp_path), check=False)
    lines = _one_error(result, f"cannot download {url}?tf-hub-format=compressed: HTTP 404")
    assert len(lines) == 1, lines


def test_server_down_is_one_line(served, tmp_path):
    _, models = served
    flags, _ = models[TF1_PATH]
    url = f"http://127.0.0.1:{loopback.free_port()}/{TF1_PATH}"
    result = tfjs.convert(url, tmp_path / "web", *flags, env=_cache(tmp_path), check=False)
    lines = _one_error(result, f"cannot download {url}?tf-hub-format=compressed: ",
                       "Connection refused")
    assert len(lines) == 1, lines
    assert not (tmp_path / "web").exists()


@pytest.mark.parametrize("input_path, sha256, message", [
    ("some/dir", "0" * 64, "--hub_sha256 applies to an http(s) URL as INPUT"),
    ("http://127.0.0.1:1/m", "abc", "--hub_sha256=abc is not a sha256 (64 hex digits)"),
])
def test_hub_sha256_misuse(tmp_path, input_path, sha256, message):
    result = tfjs.convert(input_path, tmp_path / "web", "--input_format=tf_hub",
                          f"--hub_sha256={sha256}", check=False)
    assert len(_one_error(result, message)) == 1


def test_plain_http_to_another_host_is_refused(tmp_path):
    result = tfjs.convert("http://models.example/m.tar.gz", tmp_path / "web",
                          "--input_format=tf_hub", env=_cache(tmp_path), check=False)
    assert len(_one_error(result, "http://models.example/m.tar.gz is plain http")) == 1
    assert not (tmp_path / "cache").exists()
