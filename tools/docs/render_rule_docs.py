"""Renders the rule docs of README.md from the docstrings of rules_tfjs's public .bzl files.

    python3 render_rule_docs.py --readme README.md --out NEW_README.md DOC.textproto...

Each DOC.textproto is what Bazel's `starlark_doc_extract` writes for one public .bzl file (a
text-format ModuleInfo). The Markdown made from them (per rule and macro: its doc and a table of
its attributes; per provider: its fields; per module extension: its tag classes) replaces what
lies between the README's GENERATED markers, and the whole README is written to --out. Standard
library only.
"""

import argparse
import pathlib
import re
import sys

BEGIN = "<!-- BEGIN GENERATED: rule docs -->"
END = "<!-- END GENERATED -->"
NOTICE = ("<!-- Generated from the docstrings of rules/*.bzl: edit those, then "
          "`bazel run //tools/docs:update_readme`. -->")

# AttributeType names of stardoc_output.proto, as the tables say them.
_TYPES = {
    "NAME": "name",
    "INT": "integer",
    "LABEL": "label",
    "STRING": "string",
    "STRING_LIST": "list of strings",
    "INT_LIST": "list of integers",
    "LABEL_LIST": "list of labels",
    "BOOLEAN": "boolean",
    "LABEL_STRING_DICT": "dict: label → string",
    "STRING_DICT": "dict: string → string",
    "STRING_LIST_DICT": "dict: string → list of strings",
    "OUTPUT": "output",
    "OUTPUT_LIST": "list of outputs",
    "LABEL_DICT_UNARY": "dict: string → label",
    "LABEL_LIST_DICT": "dict: label → list of labels",
}

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<word>[\w.+-]+)|(?P<punct>[:{}]))')
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_SIMPLE_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"'": b"'", b'"': b'"', b"\\": b"\\"}


def _unescape(quoted):
    """The text of a text-format string literal (C escapes; octal escapes are UTF-8 bytes)."""
    def replace(match):
        octal, hexa, char = match.groups()
        if octal:
            return bytes([int(octal, 8)])
        if hexa:
            return bytes([int(hexa, 16)])
        return _SIMPLE_ESCAPES.get(char, b"\\" + char)
    return _ESCAPE.sub(replace, quoted[1:-1].encode()).decode()


def parse_textproto(text):
    """A text-format protobuf message as {field: [values]}; a value is str or a nested dict."""
    text = text.rstrip()
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"unexpected text at offset {position}: {text[position:position + 40]!r}")
        tokens.append(match)
        position = match.end()
    tokens.append(None)  # the end
    message, i = _parse_fields(tokens, 0)
    if tokens[i] is not None:
        raise ValueError("unbalanced '}'")
    return message


def _parse_fields(tokens, i):
    """The fields from tokens[i] to the '}' or the end that closes them, and that token's index."""
    message = {}
    while tokens[i] is not None and tokens[i].group("punct") != "}":
        name = tokens[i].group("word")
        if not name:
            raise ValueError(f"expected a field name, got {tokens[i].group().strip()!r}")
        i += 1
        if tokens[i] is not None and tokens[i].group("punct") == ":":
            i += 1
        if tokens[i] is None:
            raise ValueError(f"{name} has no value")
        if tokens[i].group("punct") == "{":
            value, i = _parse_fields(tokens, i + 1)
            if tokens[i] is None:
                raise ValueError(f"unclosed '{{' of {name}")
        elif tokens[i].group("string"):
            value = _unescape(tokens[i].group("string"))
        elif tokens[i].group("word"):
            value = tokens[i].group("word")
        else:
            raise ValueError(f"{name} has no value")
        message.setdefault(name, []).append(value)
        i += 1
    return message, i


def _one(message, field, default=""):
    return message.get(field, [default])[0]


def _cell(text):
    """Text as one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text):
    return f"`{text}`" if text else ""


def _table(header, rows):
    if not rows:
        return ""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _attribute_table(attributes):
    return _table(["attribute", "doc", "type", "mandatory", "default"], [
        [_code(a["name"][0]), _one(a, "doc_string"), _TYPES.get(_one(a, "type"), _one(a, "type")),
         "yes" if _one(a, "mandatory") == "true" else "no", _code(_one(a, "default_value"))]
        for a in attributes])


def _rule(info):
    return [f"#### `{_one(info, 'rule_name')}` (rule)", _one(info, "doc_string"),
            _attribute_table(info.get("attribute", []))]


def _provider(info):
    return [f"#### `{_one(info, 'provider_name')}` (provider)", _one(info, "doc_string"),
            _table(["field", "doc"], [[_code(f["name"][0]), _one(f, "doc_string")]
                                      for f in info.get("field_info", [])])]


def _function(info):
    parts = [f"#### `{_one(info, 'function_name')}` (macro)", _one(info, "doc_string"),
             _table(["parameter", "doc", "mandatory", "default"], [
                 [_code(p["name"][0]), _one(p, "doc_string"),
                  "yes" if _one(p, "mandatory") == "true" else "no", _code(_one(p, "default_value"))]
                 for p in info.get("parameter", [])])]
    if "return" in info:
        parts.append("Returns: " + _one(info["return"][0], "doc_string"))
    return parts


def _module_extension(info):
    name = _one(info, "extension_name")
    parts = [f"#### `{name}` (module extension)", _one(info, "doc_string")]
    for tag in info.get("tag_class", []):
        parts += [f"##### `{name}.{_one(tag, 'tag_name')}`", _one(tag, "doc_string"),
                  _attribute_table(tag.get("attribute", []))]
    return parts


_RENDERERS = {
    "rule_info": _rule,
    "provider_info": _provider,
    "func_info": _function,
    "module_extension_info": _module_extension,
}
_MODULE_FIELDS = {"module_docstring", "file"}


def render_module(module):
    """Markdown for one ModuleInfo: a heading naming the file, then each documented symbol."""
    unknown = sorted(set(module) - set(_RENDERERS) - _MODULE_FIELDS)
    if unknown:
        raise ValueError(f"{_one(module, 'file')}: no renderer for {', '.join(unknown)}")
    parts = [f"### `@rules_tfjs{_one(module, 'file')}`", _one(module, "module_docstring")]
    for field, render in _RENDERERS.items():
        for info in module.get(field, []):
            parts += render(info)
    return "\n\n".join(part.strip() for part in parts if part.strip())


def replace_section(readme, generated):
    """README text with the text between its markers replaced by `generated`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md needs a line {BEGIN} and, after it, a line {END}")
    return f"{readme[:start]}{BEGIN}\n{NOTICE}\n\n{generated}\n\n{readme[end:]}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", required=True, type=pathlib.Path, help="the README to update")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="where to write it")
    parser.add_argument("docs", nargs="+", type=pathlib.Path,
                        help="starlark_doc_extract .textproto outputs, in README order")
    args = parser.parse_args(argv)
    try:
        generated = "\n\n".join(render_module(parse_textproto(doc.read_text(encoding="utf-8")))
                                for doc in args.docs)
        readme = replace_section(args.readme.read_text(encoding="utf-8"), generated)
    except ValueError as error:
        sys.exit(f"render_rule_docs: {error}")
    args.out.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
