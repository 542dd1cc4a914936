"""Unpacks a downloaded model archive (a tar, compressed or not, or a zip) without trusting it.

    python3 safe_extract.py ARCHIVE DEST --kind=tar.gz|zip [--strip_prefix=P] [--max_bytes=N]

The whole archive is checked before anything is written. Refused, each with one line naming the
entry: absolute names and ``..`` components, symlinks and hard links that lead outside DEST
(relative symlinks inside are kept), entries that lie under a symlink, device files and FIFOs,
names that appear twice, entries outside ``strip_prefix``, and archives that expand to more
than ``max_bytes`` (by their headers, and again while writing). The tree is written to a
temporary sibling of DEST that is renamed into place, so a refusal leaves no DEST behind.
Files get mode 0644, or 0755 when the archive marks them executable; directories 0755.
"""

import argparse
import os
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import typing
import zipfile
import zlib

KINDS = ("tar.gz", "zip")
DEFAULT_MAX_BYTES = 16 * 1024 ** 3
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_SYMLINK_TARGET = 4096
_MAX_LINK_DEPTH = 40
_CHUNK = 1 << 20
# Archive damage as the standard library reports it while listing or reading entries.
_DAMAGE = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error)
_WRITE_ORDER = {"dir": 0, "file": 1, "hardlink": 2, "symlink": 3}


class ArchiveError(Exception):
    """An archive that cannot or must not be extracted; ``str()`` is one line naming it."""


class _Entry(typing.NamedTuple):
    name: str  # as the archive spells it
    kind: str  # file, dir, symlink or hardlink
    size: int
    executable: bool
    link: str  # a symlink's target, or the archive name a hard link repeats
    open: typing.Callable[[], typing.BinaryIO]
    path: tuple = ()  # components under the destination, once strip_prefix is applied


def _is_absolute(name):
    return name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) is not None


def _components(name):
    """``name``'s path components, or None when it is absolute or climbs with ``..``.

    Backslashes count as separators for the ``..`` check only: they are one on Windows.
    """
    if _is_absolute(name) or ".." in re.split(r"[/\\]", name):
        return None
    return tuple(part for part in name.split("/") if part not in ("", "."))


def _tar_entries(tar):
    for member in tar.getmembers():
        if member.isreg():
            kind = "file"
        elif member.isdir():
            kind = "dir"
        elif member.issym():
            kind = "symlink"
        elif member.islnk():
            kind = "hardlink"
        else:
            kind = ("character device" if member.ischr() else "block device" if member.isblk()
                    else "FIFO" if member.isfifo() else f"special file (tar type {member.type!r})")
        yield _Entry(member.name, kind, member.size, bool(member.mode & 0o111), member.linkname,
                     lambda member=member: tar.extractfile(member))


def _zip_entries(archive, label):
    for info in archive.infolist():
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        file_type = stat.S_IFMT(mode)
        link = ""
        if info.is_dir() or file_type == stat.S_IFDIR:
            kind = "dir"
        elif file_type in (0, stat.S_IFREG):
            kind = "file"
        elif file_type == stat.S_IFLNK:
            kind = "symlink"
            if info.file_size > _MAX_SYMLINK_TARGET:
                raise _refusal(label, info.filename, "is a symlink with an oversized target")
            link = archive.read(info).decode("utf-8", "surrogateescape")
        else:
            kind = {stat.S_IFCHR: "character device", stat.S_IFBLK: "block device",
                    stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"}.get(
                        file_type, f"special file (mode {mode:o})")
        yield _Entry(info.filename, kind, info.file_size, bool(mode & 0o111), link,
                     lambda info=info: archive.open(info))


def _refusal(label, name, why):
    return ArchiveError(f"{label}: refusing entry {name!r}: {why}")


def _open_archive(path, label):
    """Opens ``path`` as a zip or a tar by its content; returns (archive, its entries)."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(_ZIP_SIGNATURES):
        archive = zipfile.ZipFile(path)
        return archive, _zip_entries(archive, label)
    try:
        archive = tarfile.open(path, "r:*")
    except tarfile.ReadError as e:
        raise ArchiveError(f"{label} is not a .tar.gz or .zip archive: it starts with {head!r}"
                           ) from e
    return archive, _tar_entries(archive)


def _placed(entries, strip_prefix, label):
    """The entries to write, with their paths under the destination; refuses names that are
    absolute, climb with ``..`` or lie outside ``strip_prefix``, and special files."""
    prefix = _components(strip_prefix)
    if prefix is None:
        raise ArchiveError(f"{label}: strip_prefix {strip_prefix!r} must be a relative path "
                           "without '..'")
    placed, matched = [], not prefix
    for entry in entries:
        parts = _components(entry.name)
        if parts is None:
            raise _refusal(label, entry.name, "has an absolute path" if _is_absolute(entry.name)
                           else "has a '..' component")
        if entry.kind not in _WRITE_ORDER:
            raise _refusal(label, entry.name, f"is a {entry.kind}")
        if parts[:len(prefix)] != prefix:
            if entry.kind == "dir" and prefix[:len(parts)] == parts:
                continue  # a directory above the prefix: it holds nothing of its own
            raise _refusal(label, entry.name, f"is not under strip_prefix {strip_prefix!r}")
        matched = True
        path = parts[len(prefix):]
        if not path:
            if entry.kind == "dir":
                continue
            raise _refusal(label, entry.name, "would replace the destination directory itself")
        placed.append(entry._replace(path=path))
    if not matched:
        raise ArchiveError(f"{label}: strip_prefix {strip_prefix!r} matches no entry")
    return placed


def _resolve(base, target, symlinks, depth=0):
    """Where the symlink target ``target``, written in directory ``base``, leads once the
    archive's own symlinks are followed: a path under the destination, or None if outside."""
    if depth > _MAX_LINK_DEPTH or _is_absolute(target):
        return None
    path = list(base)
    for part in re.split(r"[/\\]", target):
        if part in ("", "."):
            continue
        if part == "..":
            if not path:
                return None
            path.pop()
            continue
        path.append(part)
        if tuple(path) in symlinks:
            resolved = _resolve(path[:-1], symlinks[tuple(path)], symlinks, depth + 1)
            if resolved is None:
                return None
            path = list(resolved)
    return tuple(path)


def _check_links(entries, strip_prefix, label):
    """Refuses duplicate names, entries under a symlink or a file, links leading outside."""
    by_path = {}
    for entry in entries:
        previous = by_path.get(entry.path)
        if previous and not previous.kind == entry.kind == "dir":
            raise _refusal(label, entry.name, "appears twice in the archive")
        by_path[entry.path] = entry
    symlinks = {e.path: e.link for e in entries if e.kind == "symlink"}
    prefix = _components(strip_prefix)
    for entry in entries:
        for end in range(1, len(entry.path)):
            above = by_path.get(entry.path[:end])
            if above and above.kind != "dir":
                raise _refusal(label, entry.name, f"lies under the {above.kind} {above.name!r}")
        if entry.kind == "symlink":
            if _is_absolute(entry.link):
                raise _refusal(label, entry.name,
                               f"is a symlink to the absolute path {entry.link!r}")
            if _resolve(entry.path[:-1], entry.link, symlinks) is None:
                raise _refusal(label, entry.name,
                               f"is a symlink to {entry.link!r}, outside the destination")
        elif entry.kind == "hardlink":
            parts = _components(entry.link)
            if parts is None or parts[:len(prefix)] != prefix:
                raise _refusal(label, entry.name,
                               f"is a hard link to {entry.link!r}, outside the destination")
            target = by_path.get(parts[len(prefix):])
            if target is None or target.kind != "file":
                raise _refusal(label, entry.name, f"is a hard link to {entry.link!r}, which is "
                                                  "not a regular file of the archive")
    return by_path


def _expanded_size(entries, by_path, strip_prefix, max_bytes, label):
    """Refuses, naming the entry that crosses it, an archive whose headers exceed max_bytes."""
    prefix_length = len(_components(strip_prefix))
    total = 0
    for entry in entries:
        if entry.kind == "file":
            total += entry.size
        elif entry.kind == "hardlink":
            total += by_path[_components(entry.link)[prefix_length:]].size
        if total > max_bytes:
            raise _refusal(label, entry.name, f"the archive expands to more than {max_bytes} "
                                              "bytes (max_bytes)")


def _write_tree(entries, by_path, strip_prefix, root, max_bytes, label):
    """Writes ``entries`` under ``root``: directories, files, then links."""
    prefix_length = len(_components(strip_prefix))
    written = 0
    for entry in sorted(entries, key=lambda e: (_WRITE_ORDER[e.kind], e.path)):
        path = os.path.join(root, *entry.path)
        if entry.kind == "dir":
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if entry.kind == "symlink":
            os.symlink(entry.link, path)
            continue
        source = entry if entry.kind == "file" else by_path[
            _components(entry.link)[prefix_length:]]
        size = 0
        with source.open() as stream, open(path, "wb") as out:
            for chunk in iter(lambda stream=stream: stream.read(_CHUNK), b""):
                size += len(chunk)
                if size > source.size or written + size > max_bytes:
                    raise _refusal(label, entry.name, "holds more bytes than its header says "
                                   f"or than max_bytes ({max_bytes})")
                out.write(chunk)
        written += size
        os.chmod(path, 0o755 if source.executable else 0o644)
    for directory, _, _ in os.walk(root):
        os.chmod(directory, 0o755)


def extract(archive, destination, kind, strip_prefix="", max_bytes=DEFAULT_MAX_BYTES,
            label=None):
    """Extracts the tar or zip ``archive`` into ``destination`` (new, or an empty directory).

    ``kind`` is tar.gz or zip, as handles.resolve says; the archive's content decides how it is
    read. ``strip_prefix`` is a directory of the archive whose content becomes the
    destination's. ``label`` names the archive in messages (default: its base name). Raises
    ArchiveError (one line) for an archive that is damaged, not a tar or zip, or unsafe; then
    nothing has been written.
    """
    label = label or os.path.basename(archive)
    if kind not in KINDS:
        raise ArchiveError(f"{label}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if os.path.lexists(destination) and (not os.path.isdir(destination)
                                         or os.path.islink(destination)
                                         or os.listdir(destination)):
        raise ArchiveError(f"{label}: destination {destination} exists and is not an empty "
                           "directory")
    parent = os.path.dirname(os.path.abspath(destination))
    try:
        opened, listing = _open_archive(archive, label)
        with opened:
            entries = _placed(listing, strip_prefix, label)
            by_path = _check_links(entries, strip_prefix, label)
            _expanded_size(entries, by_path, strip_prefix, max_bytes, label)
            os.makedirs(parent, exist_ok=True)
            staging = tempfile.mkdtemp(prefix=".rules_tfjs-extract-", dir=parent)
            try:
                _write_tree(entries, by_path, strip_prefix, staging, max_bytes, label)
                if os.path.isdir(destination):
                    os.rmdir(destination)
                os.rename(staging, destination)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except _DAMAGE as e:
        raise ArchiveError(f"{label} is truncated or corrupted: {_first_line(e)}") from e


def _first_line(exception):
    lines = str(exception).strip().splitlines()
    return lines[0] if lines else type(exception).__name__


def main(argv=None):
    """The command line; a refusal or a read failure is one line on stderr and exit status 1."""
    parser = argparse.ArgumentParser(
        prog="safe_extract.py", description="Extracts a model archive, refusing unsafe entries.")
    parser.add_argument("archive")
    parser.add_argument("destination")
    parser.add_argument("--kind", required=True, choices=KINDS)
    parser.add_argument("--strip_prefix", default="")
    parser.add_argument("--max_bytes", type=int, default=DEFAULT_MAX_BYTES)
    parser.add_argument("--label", help="How messages name the archive (default: its file name).")
    args = parser.parse_args(argv)
    try:
        extract(args.archive, args.destination, args.kind, args.strip_prefix, args.max_bytes,
                label=args.label)
    except ArchiveError as e:
        sys.stderr.write(f"rules_tfjs: {e}\n")
        return 1
    except OSError as e:
        sys.stderr.write(f"rules_tfjs: {os.path.basename(args.archive)}: {_first_line(e)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
