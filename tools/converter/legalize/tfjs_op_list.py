"""The ops the pinned TF.js executes, and its version: generated from @tensorflow/tfjs-converter's
own op mappers.

Regenerate after changing the pinned TF.js (tools/js/package-lock.json):
    python -m tools.converter.legalize.tfjs_op_list tools/js/node_modules \
        > tools/converter/legalize/tfjs_ops.json
A test fails when the checked-in list and the installed package disagree.
"""

import functools
import json
import os
import re
import sys

_OP_LIST_DIR = os.path.join("@tensorflow", "tfjs-converter", "dist", "operations", "op_list")
_TF_OP_NAME = re.compile(r"""['"]tfOpName['"]\s*:\s*['"]([A-Za-z0-9_]+)['"]""")
CHECKED_IN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_ops.json")


def ops_in_package(node_modules: str):
    """Returns the sorted tfOpNames that the installed tfjs-converter maps to kernels."""
    directory = os.path.join(node_modules, _OP_LIST_DIR)
    names = set()
    for filename in sorted(os.listdir(directory)):
        if filename.endswith(".js"):
            with open(os.path.join(directory, filename), encoding="utf-8") as f:
                names.update(_TF_OP_NAME.findall(f.read()))
    return sorted(names)


@functools.lru_cache(maxsize=None)
def _checked_in():
    with open(CHECKED_IN, encoding="utf-8") as f:
        return json.load(f)


def supported_ops():
    """Returns the checked-in set of op names TF.js executes."""
    return frozenset(_checked_in()["ops"])


def tfjs_version():
    """The pinned TF.js's major.minor version ("4.22"), as messages name it: the one place it
    is recorded is the checked-in list, generated from the installed package."""
    return ".".join(_checked_in()["tfjs_converter_version"].split(".")[:2])


def render(node_modules: str) -> str:
    """The content of tfjs_ops.json for the package installed under ``node_modules``."""
    with open(os.path.join(node_modules, "@tensorflow", "tfjs-converter", "package.json"),
              encoding="utf-8") as f:
        version = json.load(f)["version"]
    document = {"tfjs_converter_version": version, "ops": ops_in_package(node_modules)}
    return json.dumps(document, indent=1) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
