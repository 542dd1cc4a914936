"""Archives the download tests serve: deterministic bytes (same entries, same sha256)."""

import gzip
import io
import pathlib
import stat
import tarfile
import zipfile


def member(name, kind=tarfile.REGTYPE, linkname="", mode=0o644):
    """A tar entry: a file, link, device... (``kind`` is a tarfile type)."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    return info


def tar(path, entries, mode="w:gz"):
    """Writes a tar of ``entries``: (name, bytes) files, or (TarInfo, bytes or None). Entries
    carry no time or owner, and the gzip header no time or file name, so the bytes depend on
    the entries alone."""
    with open(path, "wb") as raw:
        compressed = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) if mode == "w:gz" else raw
        with compressed, tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, data in entries:
                info = name if isinstance(name, tarfile.TarInfo) else tarfile.TarInfo(name)
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                if data is not None:
                    info.size = len(data)
                archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def zip_archive(path, entries):
    """Writes a zip of ``entries``: (name, bytes) files, or (name, bytes, unix mode)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, *mode in entries:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (mode[0] if mode else stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    return path


def files_of(directory, prefix=""):
    """(name, bytes) for every file under ``directory``, sorted, named PREFIX + relative path."""
    return [(prefix + path.relative_to(directory).as_posix(), path.read_bytes())
            for path in sorted(pathlib.Path(directory).rglob("*")) if path.is_file()]
