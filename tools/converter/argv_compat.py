"""Reads the reference tensorflowjs_converter's command lines without its traps.

The reference takes ``--quantize_float16`` with or without a value (and then swallows the input
path), and bool flags with a separate value (``--strip_debug_ops True``). Here a flag's
separate value is taken only when two positional arguments (INPUT OUTPUT) remain after it, so
``--quantize_float16 in out`` quantises everything and ``--quantize_uint8 'conv*' in out``
quantises the matching weights. The result is absl-style: every value joined with ``=``, the
positionals last after ``--`` (paths may contain spaces or start with a dash).
"""

from typing import Collection, List

_BOOL_LITERALS = frozenset(("true", "false", "t", "f", "1", "0", "yes", "no"))
ALL_WEIGHTS = "*"


def normalize(args: List[str], value_flags: Collection[str], bool_flags: Collection[str],
              optional_value_flags: Collection[str]) -> List[str]:
    """Rewrites ``args`` (without the program name) into ``[flags..., '--', positionals...]``.

    ``value_flags`` take a value (``--f v`` or ``--f=v``); ``bool_flags`` may be followed by a
    bool literal; ``optional_value_flags`` may be followed by a value, and mean
    ``ALL_WEIGHTS`` without one.
    """
    tokens = []  # (kind, text, flag name): kinds "flag", "maybe", "pos", "literal_pos"
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            tokens.extend(("literal_pos", a, None) for a in args[i + 1:])
            break
        if arg.startswith("-") and len(arg) > 1:
            name, has_value, _ = arg.lstrip("-").partition("=")
            if not has_value and name in value_flags and i + 1 < len(args):
                tokens.append(("flag", f"{arg}={args[i + 1]}", name))
                i += 1
            elif not has_value and (name in bool_flags or name in optional_value_flags):
                tokens.append(("maybe", arg, name))
            else:
                tokens.append(("flag", arg, name))
        else:
            tokens.append(("pos", arg, None))
        i += 1

    positionals = sum(kind in ("pos", "literal_pos") for kind, _, _ in tokens)
    flags, rest = [], []
    consumed = set()
    for index, (kind, text, name) in enumerate(tokens):
        if index in consumed:
            continue
        if kind in ("pos", "literal_pos"):
            rest.append(text)
            continue
        if kind == "maybe":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            takes = (following is not None and following[0] == "pos" and positionals > 2
                     and (name in optional_value_flags
                          or following[1].lower() in _BOOL_LITERALS))
            if takes:
                consumed.add(index + 1)
                positionals -= 1
                text = f"{text}={following[1]}"
            elif name in optional_value_flags:
                text = f"{text}={ALL_WEIGHTS}"
        flags.append(text)
    return flags + ["--"] + rest
