"""What to download for a model handle: ``python3 handles.py HANDLE`` prints ``URL<TAB>KIND``.

KIND says what the URL serves: ``tar.gz`` (a tar archive, compressed or not), ``zip``, or
``file`` (a Keras ``.keras``/``.h5`` file, used as is). Any http(s) handle that does not name
an archive or a Keras file (tfhub.dev, Kaggle models, any other host) is asked for its
compressed form, as tensorflow_hub asks: the query ``tf-hub-format=compressed`` is added.
"""

import sys
import urllib.parse

_COMPRESSED_QUERY = "tf-hub-format=compressed"
_KINDS = (((".tar.gz", ".tgz", ".tar"), "tar.gz"), ((".zip",), "zip"),
          ((".keras", ".h5"), "file"))


def is_http(handle: str) -> bool:
    """Whether ``handle`` is an http(s) URL, the handles resolve accepts."""
    parts = urllib.parse.urlsplit(handle)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def resolve(handle: str):
    """Returns ``(url, kind)`` for an http(s) ``handle``; raises ValueError (one line) for
    anything else (file paths, ``gs://``, no scheme)."""
    if not is_http(handle):
        raise ValueError(f"{handle!r} is not an http(s) URL; remote models are named by "
                         "http:// or https:// URLs")
    parts = urllib.parse.urlsplit(handle)
    path = parts.path.lower()
    for suffixes, kind in _KINDS:
        if path.endswith(suffixes):
            return handle, kind
    queries = parts.query.split("&") if parts.query else []
    if _COMPRESSED_QUERY not in queries:
        queries.append(_COMPRESSED_QUERY)
    return urllib.parse.urlunsplit(parts._replace(query="&".join(queries))), "tar.gz"


def main(argv):
    """The command line: prints ``URL<TAB>KIND``, or one error line and exit status 1."""
    if len(argv) != 2:
        sys.stderr.write("usage: handles.py HANDLE\n")
        return 2
    try:
        url, kind = resolve(argv[1])
    except ValueError as e:
        sys.stderr.write(f"rules_tfjs: {e}\n")
        return 1
    print(f"{url}\t{kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
