"""safe_extract: good archives unpack whole; unsafe ones are refused with one line naming the
entry, and nothing is written, inside the destination or outside it."""

import os
import pathlib
import stat
import subprocess
import sys
import tarfile

import pytest

from tests.remote_models import archives
from tools.remote_models import safe_extract

SCRIPT = pathlib.Path(safe_extract.__file__)


def _tree(root):
    """``root``'s tree: {relative path: ("dir"|"file"|"link", mode or content or target)}."""
    tree = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            key = os.path.relpath(path, root)
            if os.path.islink(path):
                tree[key] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                tree[key] = ("dir", stat.S_IMODE(os.stat(path).st_mode))
            else:
                tree[key] = ("file", stat.S_IMODE(os.stat(path).st_mode),
                             pathlib.Path(path).read_bytes())
    return tree


def _cli(archive, destination, *flags):
    # -S: no site-packages, as the repository rule's plain python3 has none to rely on.
    return subprocess.run([sys.executable, "-S", str(SCRIPT), str(archive), str(destination),
                           *flags], capture_output=True, text=True, check=False)


GOOD_TREE = {
    "sub": ("dir", 0o755),
    "sub/a.txt": ("file", 0o644, b"a"),
    "run.sh": ("file", 0o755, b"#!/bin/sh\n"),
    "link": ("link", "sub/a.txt"),
}


def test_tar_gz_with_strip_prefix_symlink_and_modes(tmp_path):
    archive = archives.tar(tmp_path / "good.tar.gz", [
        (archives.member("pkg", tarfile.DIRTYPE, mode=0o700), None),
        ("pkg/sub/a.txt", b"a"),
        (archives.member("pkg/run.sh", tarfile.REGTYPE, mode=0o4775), b"#!/bin/sh\n"),
        (archives.member("pkg/link", tarfile.SYMTYPE, "sub/a.txt"), None),
    ])
    result = _cli(archive, tmp_path / "out", "--kind=tar.gz", "--strip_prefix=pkg/")
    assert (result.returncode, result.stderr) == (0, "")
    assert _tree(tmp_path / "out") == GOOD_TREE
    safe_extract.extract(archive, tmp_path / "again", "tar.gz", "pkg")
    assert _tree(tmp_path / "again") == GOOD_TREE
    assert sorted(os.listdir(tmp_path)) == ["again", "good.tar.gz", "out"]


def test_zip_with_strip_prefix_and_symlink(tmp_path):
    archive = archives.zip_archive(tmp_path / "good.zip", [
        ("top/pkg/sub/a.txt", b"a"),
        ("top/pkg/run.sh", b"#!/bin/sh\n", stat.S_IFREG | 0o755),
        ("top/pkg/link", b"sub/a.txt", stat.S_IFLNK | 0o777),
    ])
    result = _cli(archive, tmp_path / "out", "--kind=zip", "--strip_prefix=top/pkg")
    assert (result.returncode, result.stderr) == (0, "")
    assert _tree(tmp_path / "out") == GOOD_TREE


def test_content_decides_the_format(tmp_path):
    plain_tar = archives.tar(tmp_path / "plain.tar.gz", [("./a.txt", b"a")], mode="w")
    safe_extract.extract(plain_tar, tmp_path / "from_tar", "tar.gz")
    zipped = archives.zip_archive(tmp_path / "named.tar.gz", [("a.txt", b"a")])
    safe_extract.extract(zipped, tmp_path / "from_zip", "tar.gz")
    assert _tree(tmp_path / "from_tar") == _tree(tmp_path / "from_zip") == {
        "a.txt": ("file", 0o644, b"a")}


def test_hard_link_inside_is_a_copy(tmp_path):
    archive = archives.tar(tmp_path / "links.tgz", [
        ("m/a.txt", b"a"), (archives.member("m/b.txt", tarfile.LNKTYPE, "m/a.txt"), None)])
    safe_extract.extract(archive, tmp_path / "out", "tar.gz", strip_prefix="m")
    assert _tree(tmp_path / "out") == {"a.txt": ("file", 0o644, b"a"),
                                       "b.txt": ("file", 0o644, b"a")}


# Each: (archive writer, flags, the refused entry, why).
REFUSED = {
    "absolute_path": (
        lambda p: archives.tar(p, [("/tmp/evil", b"x")]), (), "/tmp/evil", "has an absolute path"),
    "dot_dot": (
        lambda p: archives.tar(p, [("ok.txt", b"ok"), ("../x", b"x")]), (), "../x",
        "has a '..' component"),
    "dot_dot_inside": (
        lambda p: archives.tar(p, [("a/../../x", b"x")]), (), "a/../../x", "has a '..' component"),
    "symlink_absolute": (
        lambda p: archives.tar(p, [(archives.member("passwd", tarfile.SYMTYPE, "/etc/passwd"), None)]), (),
        "passwd", "is a symlink to the absolute path '/etc/passwd'"),
    "symlink_up": (
        lambda p: archives.tar(p, [(archives.member("d/x", tarfile.SYMTYPE, "../../x"), None)]), (),
        "d/x", "is a symlink to '../../x', outside the destination"),
    # Lexically "d/l/.." is "d", but d/l is the destination itself, so this is its parent.
    "symlink_through_symlink": (
        lambda p: archives.tar(p, [(archives.member("d/l", tarfile.SYMTYPE, ".."), None),
                           (archives.member("m", tarfile.SYMTYPE, "d/l/.."), None)]), (),
        "m", "is a symlink to 'd/l/..', outside the destination"),
    "under_symlink": (
        lambda p: archives.tar(p, [(archives.member("l", tarfile.SYMTYPE, "sub"), None), ("l/x", b"x")]), (),
        "l/x", "lies under the symlink 'l'"),
    "hard_link_outside": (
        lambda p: archives.tar(p, [(archives.member("h", tarfile.LNKTYPE, "../outside"), None)]), (),
        "h", "is a hard link to '../outside', outside the destination"),
    "hard_link_absolute": (
        lambda p: archives.tar(p, [(archives.member("h", tarfile.LNKTYPE, "/etc/passwd"), None)]), (),
        "h", "is a hard link to '/etc/passwd', outside the destination"),
    "char_device": (
        lambda p: archives.tar(p, [(archives.member("null", tarfile.CHRTYPE), None)]), (), "null",
        "is a character device"),
    "fifo": (lambda p: archives.tar(p, [(archives.member("pipe", tarfile.FIFOTYPE), None)]), (), "pipe",
             "is a FIFO"),
    "too_big": (
        lambda p: archives.tar(p, [("a", b"x" * 40), ("b", b"x" * 40)]), ("--max_bytes=64",), "b",
        "the archive expands to more than 64 bytes (max_bytes)"),
    "outside_strip_prefix": (
        lambda p: archives.tar(p, [("pkg/a", b"a"), ("README", b"r")]), ("--strip_prefix=pkg",),
        "README", "is not under strip_prefix 'pkg'"),
    "twice": (lambda p: archives.tar(p, [("a", b"1"), ("./a", b"2")]), (), "./a",
              "appears twice in the archive"),
    "zip_dot_dot": (lambda p: archives.zip_archive(p, [("../x", b"x")]), (), "../x", "has a '..' component"),
    "zip_symlink_absolute": (
        lambda p: archives.zip_archive(p, [("passwd", b"/etc/passwd", stat.S_IFLNK | 0o777)]), (), "passwd",
        "is a symlink to the absolute path '/etc/passwd'"),
    "zip_too_big": (lambda p: archives.zip_archive(p, [("a", b"x" * 100)]), ("--max_bytes=99",), "a",
                    "the archive expands to more than 99 bytes (max_bytes)"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unsafe_entry_is_refused(tmp_path, case):
    write, flags, entry, why = REFUSED[case]
    kind = "zip" if case.startswith("zip") else "tar.gz"
    archive = write(tmp_path / f"{case}.{'zip' if kind == 'zip' else 'tgz'}")
    (tmp_path / "work").mkdir()
    result = _cli(archive, tmp_path / "work" / "dest", f"--kind={kind}", *flags)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"rules_tfjs: {archive.name}: refusing entry {entry!r}: {why}"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([archive.name, "work"])


def test_strip_prefix_matching_nothing(tmp_path):
    archive = archives.tar(tmp_path / "m.tgz", [(archives.member("pkg", tarfile.DIRTYPE), None)])
    with pytest.raises(safe_extract.ArchiveError, match=r"^m.tgz: strip_prefix 'pkg/sub' "
                                                        "matches no entry$"):
        safe_extract.extract(archive, tmp_path / "out", "tar.gz", strip_prefix="pkg/sub")
    assert not (tmp_path / "out").exists()


def test_not_an_archive(tmp_path):
    page = tmp_path / "model.tar.gz"
    page.write_bytes(b"<!DOCTYPE html><html>Sign in</html>")
    result = _cli(page, tmp_path / "out", "--kind=tar.gz")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rules_tfjs: model.tar.gz is not a .tar.gz or .zip archive: it starts with "
        "b'<!DOCTYPE html><'"]
    assert sorted(os.listdir(tmp_path)) == ["model.tar.gz"]


def test_truncated_archive(tmp_path):
    archive = archives.tar(tmp_path / "whole.tgz", [("a", os.urandom(100_000))])
    truncated = tmp_path / "cut.tgz"
    truncated.write_bytes(archive.read_bytes()[:50_000])
    result = _cli(truncated, tmp_path / "out", "--kind=tar.gz")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("rules_tfjs: cut.tgz is truncated or corrupted: ")
    assert sorted(os.listdir(tmp_path)) == ["cut.tgz", "whole.tgz"]


def test_non_empty_destination_is_refused(tmp_path):
    archive = archives.tar(tmp_path / "m.tgz", [("a", b"a")])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine").write_text("keep")
    with pytest.raises(safe_extract.ArchiveError, match="exists and is not an empty directory"):
        safe_extract.extract(archive, tmp_path / "out", "tar.gz")
    assert os.listdir(tmp_path / "out") == ["mine"]
