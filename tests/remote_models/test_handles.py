"""handles.resolve: what is downloaded for a model handle, as a function and as a script."""

import pathlib
import subprocess
import sys

import pytest

from tools.remote_models import handles

SCRIPT = pathlib.Path(handles.__file__)


@pytest.mark.parametrize("handle, url", [
    ("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5",
     "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5"
     "?tf-hub-format=compressed"),
    ("https://www.kaggle.com/models/google/mobilenet-v2/TensorFlow2/100-224-classification/2",
     "https://www.kaggle.com/models/google/mobilenet-v2/TensorFlow2/100-224-classification/2"
     "?tf-hub-format=compressed"),
    ("http://127.0.0.1:8000/m?token=a%20b", "http://127.0.0.1:8000/m?token=a%20b"
     "&tf-hub-format=compressed"),
    ("https://h.example/m?tf-hub-format=compressed",
     "https://h.example/m?tf-hub-format=compressed"),
])
def test_hub_handles_ask_for_the_compressed_model(handle, url):
    assert handles.resolve(handle) == (url, "tar.gz")


@pytest.mark.parametrize("url, kind", [
    ("https://h.example/models/m.tar.gz", "tar.gz"),
    ("https://h.example/models/M.TGZ", "tar.gz"),
    ("https://h.example/models/m.zip?sig=1", "zip"),
    ("https://h.example/m.keras", "file"),
    ("http://h.example/m.h5", "file"),
])
def test_archive_and_keras_urls_are_kept(url, kind):
    assert handles.resolve(url) == (url, kind)


@pytest.mark.parametrize("handle", [
    "/models/m.tar.gz", "models/m", "gs://bucket/m.tar.gz", "file:///models/m", "https:///m",
    "ftp://h.example/m.tar.gz"])
def test_other_handles_are_refused(handle):
    with pytest.raises(ValueError, match="is not an http"):
        handles.resolve(handle)


def _script(*args):
    # -S: no site-packages, as the repository rule's plain python3 has none to rely on.
    return subprocess.run([sys.executable, "-S", str(SCRIPT), *args], capture_output=True,
                          text=True, check=False)


def test_script_prints_url_and_kind():
    result = _script("https://tfhub.dev/google/m/5")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "https://tfhub.dev/google/m/5?tf-hub-format=compressed\ttar.gz\n", "")


def test_script_refuses_in_one_line():
    result = _script("gs://bucket/m.tar.gz")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rules_tfjs: 'gs://bucket/m.tar.gz' is not an http(s) URL; remote models are named by "
        "http:// or https:// URLs"]
