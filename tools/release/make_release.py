"""Makes rules_tfjs-<version>.tar.gz, the source archive users depend on, and prints the snippets
that depend on it.

    python3 tools/release/make_release.py [--version 0.2.0] [--url URL] [--out DIR]

The archive holds what the public rules load and reference (rules/, the converter and its tools,
the JS scripts with their lock, the converter's wheel table) and e2e/smoke, the module the Bazel
Central Registry's presubmit tests; no tests, benchmarks, examples or demo models. Its bytes
depend on the files alone: sorted names, no times or owners, a gzip header without time or name.
"""

import argparse
import base64
import gzip
import hashlib
import io
import pathlib
import re
import subprocess
import tarfile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

# Tracked files under these paths (a trailing / means a folder) go into the archive.
INCLUDED = (
    "BUILD.bazel",
    "LICENSE",
    "MODULE.bazel",
    "README.md",
    "WORKSPACE",
    "e2e/smoke/",
    "requirements/BUILD.bazel",
    "requirements/converter.lock",
    "requirements/converter_wheels.bzl",
    "rules/",
    "tools/BUILD.bazel",
    "tools/__init__.py",
    "tools/bootstrap/BUILD.bazel",
    "tools/bootstrap/lock_wheels.py",
    "tools/converter/",
    "tools/js/",
    "tools/reference_outputs/",
    "tools/remote_models/",
)

# Where the version is written: the module's, and the converter's (--version, convertedBy).
_VERSIONS = {
    "MODULE.bazel": re.compile(r'(module\([^)]*?version\s*=\s*")([^"]*)(")', re.S),
    "tools/converter/version.py": re.compile(r'^(VERSION = ")([^"]*)(")', re.M),
}


def versions():
    """{file: the version it states} for the files that state the release's version."""
    return {name: pattern.search((REPO_ROOT / name).read_text()).group(2)
            for name, pattern in _VERSIONS.items()}


def module_version():
    """The version MODULE.bazel's module() states."""
    return versions()["MODULE.bazel"]


def released_files():
    """The tracked files the archive holds, sorted."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    return sorted(name for name in tracked if name and (REPO_ROOT / name).is_file() and any(
        name == path or (path.endswith("/") and name.startswith(path)) for path in INCLUDED))


def make_archive(out_dir, version):
    """Writes out_dir/rules_tfjs-<version>.tar.gz (top folder rules_tfjs-<version>/); returns it."""
    prefix = f"rules_tfjs-{version}"
    path = pathlib.Path(out_dir) / f"{prefix}.tar.gz"
    with open(path, "wb") as raw, \
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as compressed, \
            tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in released_files():
            data = (REPO_ROOT / name).read_bytes()
            if name in _VERSIONS:
                data = _VERSIONS[name].sub(lambda m: m.group(1) + version + m.group(3),
                                           data.decode(), count=1).encode()
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size, info.mode = len(data), 0o644
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            archive.addfile(info, io.BytesIO(data))
    return path


def snippets(archive, version, url):
    """The MODULE.bazel and WORKSPACE lines that depend on `archive` served at `url`."""
    digest = hashlib.sha256(pathlib.Path(archive).read_bytes()).digest()
    prefix = f"rules_tfjs-{version}"
    module = f"""bazel_dep(name = "rules_tfjs", version = "{version}")
archive_override(
    module_name = "rules_tfjs",
    integrity = "sha256-{base64.b64encode(digest).decode()}",
    strip_prefix = "{prefix}",
    urls = ["{url}"],
)
"""
    workspace = f"""load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

http_archive(
    name = "rules_tfjs",
    sha256 = "{digest.hex()}",
    strip_prefix = "{prefix}",
    urls = ["{url}"],
)

load("@rules_tfjs//rules:repositories.bzl", "rules_tfjs_dependencies", "rules_tfjs_register_toolchains")

rules_tfjs_dependencies()

rules_tfjs_register_toolchains()
"""
    return module, workspace


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="default: module(version) of MODULE.bazel")
    parser.add_argument("--url", help="where the archive will be served (default: a placeholder)")
    parser.add_argument("--out", default=".", help="folder of the archive (default: .)")
    args = parser.parse_args()
    version = args.version or module_version()
    archive = make_archive(args.out, version)
    url = args.url or f"https://RELEASES_URL/{archive.name}"
    module, workspace = snippets(archive, version, url)
    print(f"{archive}\nsha256 {hashlib.sha256(archive.read_bytes()).hexdigest()}\n")
    print(f"# MODULE.bazel\n{module}\n# WORKSPACE\n{workspace}", end="")


if __name__ == "__main__":
    main()
