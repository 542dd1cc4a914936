"""Writes a conversion's files all at once: a failure leaves no model.json and no shards."""

import contextlib
import errno
import os
import re
import shutil
import tempfile

from tools.converter.errors import ConversionError

_CONVERTER_FILE = re.compile(r"^(model\.json|group\d+-shard\d+of\d+\.bin)$")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def check_output_dir(output_dir):
    """Fails early when ``output_dir`` could not take the result: it must be new, empty or a
    previous converter output."""
    if not os.path.exists(output_dir):
        return
    if not os.path.isdir(output_dir):
        raise ConversionError(f"output path {output_dir} exists and is not a directory")
    foreign = sorted(n for n in os.listdir(output_dir) if not _CONVERTER_FILE.match(n))
    if foreign:
        raise ConversionError(
            f"output directory {output_dir} holds files that are not a converter's output "
            f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
            "choose an empty or new directory")


class Staging:
    """The directory a conversion writes into before it replaces the output directory; counts
    the bytes written, for the message when the disk fills up."""

    def __init__(self, path):
        self.path, self.bytes_written, self.current = path, 0, None

    def create(self, name):
        """Opens the file ``name`` for writing; returns a file whose writes are counted (close
        it)."""
        self.current = name
        return _CountedFile(open(os.path.join(self.path, name), "wb"), self)  # pylint: disable=consider-using-with

    def write(self, name, data):
        """Writes ``data`` (bytes) as the file ``name``."""
        f = self.create(name)
        try:
            f.write(data)
        finally:
            f.close()


class _CountedFile:
    def __init__(self, file, staging):
        self._file, self._staging = file, staging

    def write(self, data):
        """Writes ``data`` and counts it."""
        self._file.write(data)
        self._staging.bytes_written += len(data)

    def close(self):
        """Closes the file (flushing it: a full disk can show here)."""
        self._file.close()


@contextlib.contextmanager
def staged(output_dir: str):
    """Yields a Staging beside ``output_dir``; when the block ends without error, its directory
    replaces ``output_dir`` whole (renamed into place, so readers see the old output or the
    new one, never a mix), else it is removed: a failure, a full disk included, leaves nothing
    partial behind (a crash leaves at worst the hidden staging directory)."""
    check_output_dir(output_dir)
    parent = os.path.dirname(os.path.abspath(output_dir))
    os.makedirs(parent, exist_ok=True)
    staging = Staging(tempfile.mkdtemp(prefix=".tfjs-staging-", dir=parent))
    try:
        yield staging
        os.chmod(staging.path, 0o755)
        if os.path.isdir(output_dir):
            retired = tempfile.mkdtemp(prefix=".tfjs-retired-", dir=parent)
            os.rename(output_dir, os.path.join(retired, "old"))
            os.rename(staging.path, output_dir)
            shutil.rmtree(retired)
        else:
            os.rename(staging.path, output_dir)
    except OSError as e:
        shutil.rmtree(staging.path, ignore_errors=True)
        if e.errno not in _DISK_FULL:
            raise
        raise ConversionError(
            f"no space left on the disk of {output_dir} ({e.strerror}) while writing "
            f"{staging.current}, after {staging.bytes_written} bytes; nothing was kept") from e
    except BaseException:
        shutil.rmtree(staging.path, ignore_errors=True)
        raise
