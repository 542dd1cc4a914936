"""Fetches a model named by an http(s) URL (a TF-Hub handle, an archive, a Keras file) into
tensorflow_hub's module cache.

The cache is tensorflow_hub's own (``TFHUB_CACHE_DIR``, else its temporary directory), with
its naming: the model's directory is ``sha1(handle)``, complete once it exists and is not
empty, so a module either tool downloaded serves both. Each download also records the
archive's sha256 beside it (``<sha1>.sha256``): ``--hub_sha256`` reuses a cached module only
when that record matches, and otherwise downloads again and checks the new archive.
"""

import contextlib
import hashlib
import os
import posixpath
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from http import client
from typing import Optional

from tools.converter.errors import ConversionError, one_line
from tools.remote_models import handles, safe_extract

_CHUNK = 1 << 20
_TIMEOUT_SECONDS = 60
# Plain http has no integrity: only a server on this machine (tests, a local mirror) may use it.
_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def cache_dir() -> str:
    """tensorflow_hub's module cache directory, as it chooses it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pkg_resources import warns on recent setuptools
        from tensorflow_hub import resolver  # pylint: disable=import-outside-toplevel
    return resolver.tfhub_cache_dir(use_temp=True)


def _complete(module_dir):
    return os.path.isdir(module_dir) and bool(os.listdir(module_dir))


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _plain_http(url):
    """Whether ``url`` is plain http to another machine than this one."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS


def _download(url, archive_path, cache):
    """Writes the body at ``url`` to ``archive_path``; returns its sha256 (hex)."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
            if _plain_http(response.geturl()):
                raise ConversionError(f"cannot download {url}: it redirects to plain http "
                                      f"({response.geturl()})")
            length = response.headers.get("Content-Length")
            size = f"{int(length) / 1e6:.1f} MB" if length and length.isdigit() else "size unknown"
            sys.stderr.write(f"tfjs_converter: downloading {url} ({size}) -> {cache}\n")
            with open(archive_path, "wb") as out:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
    except urllib.error.HTTPError as e:
        raise ConversionError(f"cannot download {url}: HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise ConversionError(f"cannot download {url}: {one_line(e.reason)}") from e
    except (OSError, client.HTTPException) as e:
        raise ConversionError(f"cannot download {url}: {type(e).__name__}: {one_line(e)}"
                              ) from e
    return digest.hexdigest()


def _unpack(download, kind, url, fresh):
    """Puts the downloaded file into the empty directory ``fresh``: an archive's tree, or a
    Keras file under the base name of the URL's path."""
    if kind == "file":
        path = os.path.join(fresh, _file_name(url))
        os.rename(download, path)
        os.chmod(path, 0o644)
        return
    try:
        safe_extract.extract(download, fresh, kind, label=url)
    except safe_extract.ArchiveError as e:
        raise ConversionError(str(e)) from e


def _file_name(url):
    return posixpath.basename(urllib.parse.urlsplit(url).path)


def _install(download, kind, url, module_dir, digest):
    """Unpacks the download beside ``module_dir`` and moves it into place with its digest."""
    if _complete(module_dir) and _read_text(module_dir + ".sha256") == digest:
        return  # another conversion installed the same download meanwhile
    cache = os.path.dirname(module_dir)
    fresh = tempfile.mkdtemp(prefix=os.path.basename(module_dir) + ".", suffix=".tmp", dir=cache)
    retired = None
    try:
        _unpack(download, kind, url, fresh)
        os.chmod(fresh, 0o755)
        if os.path.lexists(module_dir):
            retired = fresh + ".old"
            os.rename(module_dir, retired)
        digest_file = module_dir + ".sha256"
        with open(digest_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(digest + "\n")
        os.replace(digest_file + ".tmp", digest_file)
        os.rename(fresh, module_dir)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        if retired:
            shutil.rmtree(retired, ignore_errors=True)


def fetch(handle: str, sha256: Optional[str] = None, keras_file: bool = False) -> str:
    """Returns the local path of the model at the http(s) ``handle``, downloading it into the
    cache unless it is there already (from an archive with the digest ``sha256``, when given).

    A hub handle or archive URL gives the unpacked directory; with ``keras_file``, the URL
    must name a Keras ``.keras``/``.h5`` file and its path is returned. Raises ConversionError
    (one line) for a download, digest or archive failure; nothing is cached then.
    """
    try:
        url, kind = handles.resolve(handle)
    except ValueError as e:
        raise ConversionError(str(e)) from e
    if keras_file and kind != "file":
        raise ConversionError(f"{handle} does not name a Keras file (.keras or .h5)")
    if kind == "file" and not keras_file:
        raise ConversionError(f"tf_hub handle {handle} names a Keras file, not a model archive; "
                              "use --input_format=keras or keras_keras")
    if _plain_http(url):
        raise ConversionError(f"{handle} is plain http, which only a server on this machine "
                              "may use; use https")
    cache = cache_dir()
    module_dir = os.path.join(cache, hashlib.sha1(handle.encode("utf8")).hexdigest())
    local = os.path.join(module_dir, _file_name(url)) if keras_file else module_dir
    if _complete(module_dir) and (sha256 is None
                                  or _read_text(module_dir + ".sha256") == sha256.lower()):
        return local
    os.makedirs(cache, exist_ok=True)
    fd, download = tempfile.mkstemp(
        prefix=os.path.basename(module_dir) + ".", suffix=".download", dir=cache)
    os.close(fd)
    try:
        digest = _download(url, download, cache)
        if sha256 is not None and digest != sha256.lower():
            raise ConversionError(f"{url} has sha256 {digest}, but --hub_sha256 is "
                                  f"{sha256.lower()}")
        _install(download, kind, url, module_dir, digest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(download)
    return local
