"""requirements/converter_wheels.bzl agrees with requirements/converter.lock: every pinned
requirement has one wheel per supported Python, each named for its version and carrying one of
the lock's hashes, so the repository rules fetch exactly what pip would install."""

import ast
import re

from tools.bootstrap import lock_wheels


def _lock():
    """{name: (version, {sha256, ...})} of the hash-locked requirements."""
    pins, name = {}, None
    for line in lock_wheels.LOCK.read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
        if pin:
            name = pin.group(1).lower().replace("_", "-").replace(".", "-")
            pins[name] = (pin.group(2), set())
        for digest in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            pins[name][1].add(digest)
    return pins


def _table():
    text = lock_wheels.TABLE.read_text()
    return ast.literal_eval(text[text.index("{"):])


def test_every_locked_requirement_has_a_wheel_per_python_with_a_locked_hash():
    pins, table = _lock(), _table()
    assert sorted(table) == list(lock_wheels.PYTHON_VERSIONS)
    for version, wheels in table.items():
        assert sorted(wheels) == sorted(pins), version
        for name, (file, sha256) in wheels.items():
            pinned_version, hashes = pins[name]
            assert sha256 in hashes, (version, name, file)
            distribution, file_version = file.split("-")[:2]
            assert distribution.lower().replace("_", "-") == name and file_version == pinned_version
            assert file.endswith(".whl") and ("-none-any" in file or "x86_64" in file), file


def test_the_table_is_rendered_from_what_pip_reports():
    table = _table()
    assert lock_wheels.render(table) == lock_wheels.TABLE.read_text()
