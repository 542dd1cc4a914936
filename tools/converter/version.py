"""The converter's version, as --version prints it and model.json's convertedBy records it, and
the version of TF.js it converts for, as messages name it."""

from tools.converter.legalize import tfjs_op_list

VERSION = "0.1.0"
CONVERTED_BY = f"rules_tfjs converter {VERSION}"
TFJS = f"TensorFlow.js {tfjs_op_list.tfjs_version()}"
