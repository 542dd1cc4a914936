"""Writes a conversion's files all at once: a failure leaves no model.json and no shards."""

import os
import re
import shutil
import tempfile
from typing import Mapping

from tools.converter.errors import ConversionError

_CONVERTER_FILE = re.compile(r"^(model\.json|group\d+-shard\d+of\d+\.bin)$")


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


def write_files(output_dir: str, files: Mapping[str, bytes]):
    """Replaces ``output_dir`` by a directory holding exactly ``files``, atomically.

    The files are written to a sibling temporary directory that is renamed into place, so
    readers see the old output or the new one, never a mix, and a crash leaves no partial
    model behind (only, at worst, the hidden temporary directory).
    """
    check_output_dir(output_dir)
    parent = os.path.dirname(os.path.abspath(output_dir))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".tfjs-staging-", dir=parent)
    try:
        for name in sorted(files):
            with open(os.path.join(staging, name), "wb") as f:
                f.write(files[name])
        os.chmod(staging, 0o755)
        if os.path.isdir(output_dir):
            retired = tempfile.mkdtemp(prefix=".tfjs-retired-", dir=parent)
            os.rename(output_dir, os.path.join(retired, "old"))
            os.rename(staging, output_dir)
            shutil.rmtree(retired)
        else:
            os.rename(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
