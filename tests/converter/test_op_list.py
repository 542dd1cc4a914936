"""The checked-in list of ops TF.js executes is the installed @tensorflow/tfjs-converter's."""

import json
import pathlib

from tests.converter import tfjs
from tools.converter import version
from tools.converter.legalize import tfjs_op_list


def test_checked_in_op_list_matches_installed_tfjs_converter():
    node_modules = tfjs.NODE_MODULES
    checked_in = pathlib.Path(tfjs_op_list.CHECKED_IN).read_text(encoding="utf-8")
    assert checked_in == tfjs_op_list.render(str(node_modules)), (
        "regenerate: python -m tools.converter.legalize.tfjs_op_list tools/js/node_modules "
        "> tools/converter/legalize/tfjs_ops.json")
    document = json.loads(checked_in)
    assert len(document["ops"]) == 248
    assert {"Conv2D", "_FusedConv2D", "While", "HashTableV2"} <= tfjs_op_list.supported_ops()


def test_messages_name_the_installed_tfjs_version():
    package = json.loads((pathlib.Path(tfjs.NODE_MODULES) / "@tensorflow" / "tfjs" /
                          "package.json").read_text(encoding="utf-8"))
    assert version.TFJS == "TensorFlow.js " + ".".join(package["version"].split(".")[:2])
