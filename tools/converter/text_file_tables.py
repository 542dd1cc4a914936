"""Tables filled from text files (vocabularies, SavedModel assets) become tables filled from
constants: TF.js has no op that reads a file, so the file is read here, at conversion time, and
``InitializeTableFromTextFile(V2)`` becomes ``LookupTableImportV2`` of the keys and values it
would have read, exactly as TensorFlow reads them.
"""

import os

import numpy as np
from tensorflow.core.framework import types_pb2
from tensorflow.python.framework import dtypes, tensor_util

from tools.converter import graph_edit, graph_view
from tools.converter.readers import input_files
from tools.converter.errors import ConversionError

_TEXT_FILE_OPS = ("InitializeTableFromTextFile", "InitializeTableFromTextFileV2")
_WHOLE_LINE, _LINE_NUMBER = -2, -1


def _column(lines, fields, index, dtype, path):
    """One column of the file, as TensorFlow's text file initializer reads it."""
    if index == _WHOLE_LINE:
        values = lines
    elif index == _LINE_NUMBER:
        values = list(range(len(lines)))
    else:
        try:
            values = [row[index] for row in fields]
        except IndexError as e:
            raise ConversionError(f"{path}: a line has no column {index}") from e
    if dtype == types_pb2.DT_STRING:
        return np.array([str(v).encode() for v in values], dtype=object)
    numpy_dtype = dtypes.as_dtype(dtype).as_numpy_dtype
    try:
        return np.array([int(v) if np.issubdtype(numpy_dtype, np.integer) else float(v)
                         for v in values], dtype=numpy_dtype)
    except ValueError as e:
        raise ConversionError(f"{path}: column {index} is not numbers: {e}") from e


def _read_table_file(path, node, key_dtype, value_dtype):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except FileNotFoundError as e:
        raise input_files.missing(path, f"the text file {node.name!r} fills a table from") from e
    except UnicodeDecodeError as e:
        raise ConversionError(f"table file {path} is not UTF-8 text: {e}") from e
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    vocab_size = node.attr["vocab_size"].i
    if vocab_size > 0:
        if len(lines) < vocab_size:
            raise ConversionError(f"table file {path} has {len(lines)} lines, fewer than the "
                                  f"vocab_size of {vocab_size} that {node.name!r} reads")
        lines = lines[:vocab_size]
    delimiter = node.attr["delimiter"].s.decode() or "\t"
    fields = [line.split(delimiter) for line in lines]
    keys = _column(lines, fields, node.attr["key_index"].i, key_dtype, path)
    values = _column(lines, fields, node.attr["value_index"].i, value_dtype, path)
    return keys, values


def import_text_file_tables(graph_def):
    """Rewrites, in place, each text-file table initialisation whose file name is a constant.

    Returns the number rewritten.
    """
    nodes = graph_view.nodes_by_name(graph_def)
    rewritten = 0
    for node in list(graph_def.node):
        if node.op not in _TEXT_FILE_OPS:
            continue
        table = graph_edit.behind_identities(nodes, node.input[0])
        filename_node = graph_edit.behind_identities(nodes, node.input[1])
        filename = graph_edit.const_value(filename_node)
        if table is None or filename is None:
            continue
        if node.attr["offset"].i:
            raise ConversionError(f"{node.name!r}: text file tables read from an offset are not "
                                  "supported")
        path = filename.item().decode() if isinstance(filename.item(), bytes) else str(filename)
        key_dtype, value_dtype = table.attr["key_dtype"].type, table.attr["value_dtype"].type
        keys, values = _read_table_file(path, node, key_dtype, value_dtype)
        # The path may still be reached through control edges; only its base name is kept, so
        # that the output does not depend on where the model was converted.
        filename_node.attr["value"].tensor.CopyFrom(
            tensor_util.make_tensor_proto(os.path.basename(path).encode()))
        key_const = graph_edit.make_const(graph_edit.unique_name(graph_def, f"{node.name}/keys"),
                                          keys)
        value_const = graph_edit.make_const(
            graph_edit.unique_name(graph_def, f"{node.name}/values"), values)
        graph_def.node.extend([key_const, value_const])
        table_input = node.input[0]
        name = node.name
        node.Clear()
        node.name, node.op = name, "LookupTableImportV2"
        node.input.extend([table_input, key_const.name, value_const.name])
        node.attr["Tin"].type = key_dtype
        node.attr["Tout"].type = value_dtype
        rewritten += 1
    return rewritten
