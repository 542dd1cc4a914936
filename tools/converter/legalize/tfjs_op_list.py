"""The ops TF.js 4.22 executes, generated from @tensorflow/tfjs-converter's own op mappers.

Regenerate after changing the pinned TF.js (tools/js/package-lock.json):
    python -m tools.converter.legalize.tfjs_op_list tools/js/node_modules \
        > tools/converter/legalize/tfjs_ops.json
A test fails when the checked-in list and the installed package disagree.
"""

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


def supported_ops():
    """Returns the checked-in set of op names TF.js executes."""
    with open(CHECKED_IN, encoding="utf-8") as f:
        return frozenset(json.load(f)["ops"])


def render(node_modules: str) -> str:
    """The content of tfjs_ops.json for the package installed under ``node_modules``."""
    with open(os.path.join(node_modules, "@tensorflow", "tfjs-converter", "package.json"),
              encoding="utf-8") as f:
        version = json.load(f)["version"]
    document = {"tfjs_converter_version": version, "ops": ops_in_package(node_modules)}
    return json.dumps(document, indent=1) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
