"""The converter's command line: the reference tensorflowjs_converter's flags, as an absl app."""

import logging as std_logging
import os
import sys
import traceback
import warnings

from absl import app, flags, logging

from tools.converter import argv_compat, version
from tools.converter.errors import ConversionError, one_line
from tools.converter.options import (DEFAULT_PROGRESS_MIN_BYTES, DEFAULT_SHARD_SIZE_BYTES,
                                     DEFAULT_STREAM_WEIGHTS_MIN_BYTES,
                                     INPUT_FORMATS, OUTPUT_FORMATS, QUANTIZATION_DTYPES,
                                     ConversionOptions)

USAGE = """Converts a TensorFlow model into a TensorFlow.js model.

usage: python -m tools.converter [flags] INPUT OUTPUT

  INPUT   a SavedModel directory, a frozen GraphDef .pb, a TF-Hub module directory, or a
          Keras .h5/.keras file; for tf_hub and Keras files, also an http(s) URL (tfhub.dev,
          Kaggle, a .tar.gz/.zip, a .keras/.h5), downloaded into tensorflow_hub's cache
  OUTPUT  the directory to write model.json and group1-shard*of*.bin into (replaced whole;
          a directory holding other files is refused)

Flags may come in any order, before or after the paths. Bool flags take --flag, --noflag,
--flag=true|false. --quantize_* take optional comma-separated weight-name globs
(--quantize_uint8 or --quantize_uint8='*/block_1*,*/predictions*'; globs match whole weight
names); alone they apply to all float32 weights.
"""

PROGRAM = "tfjs_converter"


def define_flags(flag_values):
    """Defines the converter's flags in ``flag_values`` (a ``flags.FlagValues``)."""
    fv = flag_values
    flags.DEFINE_string("input_format", "tf_saved_model",
                        "Format of INPUT: " + ", ".join(INPUT_FORMATS) + ".", flag_values=fv)
    flags.DEFINE_string("output_format", None,
                        "Format to write: " + ", ".join(OUTPUT_FORMATS) + " (default: layers for "
                        "Keras inputs, graph otherwise).", flag_values=fv)
    flags.DEFINE_string("signature_name", None,
                        "SavedModel signature to convert (default serving_default; TF-Hub: "
                        "default, else serving_default, else the only one).", flag_values=fv)
    flags.DEFINE_string("saved_model_tags", None,
                        "Comma-separated tags of the MetaGraph to convert (default serve; a TF1 "
                        "hub module: its untagged graph).", flag_values=fv)
    flags.DEFINE_list("output_node_names", [],
                      "tf_frozen_model: comma-separated names of the output nodes.", flag_values=fv)
    for dtype in QUANTIZATION_DTYPES:
        flags.DEFINE_string(f"quantize_{dtype}", None,
                            f"Store float32 weights as {dtype}; optional comma-separated name "
                            "globs.", flag_values=fv)
    flags.DEFINE_integer("weight_shard_size_bytes", DEFAULT_SHARD_SIZE_BYTES,
                         "Size of each weight file.", flag_values=fv)
    flags.DEFINE_integer("progress_min_bytes", DEFAULT_PROGRESS_MIN_BYTES,
                         "Show on stderr how far writing the weights is from this many bytes on.",
                         flag_values=fv)
    flags.DEFINE_integer("stream_weights_min_bytes", DEFAULT_STREAM_WEIGHTS_MIN_BYTES,
                         "When a model's weights total this many bytes or more, keep them out of "
                         "the frozen graph: each is read from the model when written, so memory "
                         "follows the largest weight, not the model.", flag_values=fv)
    flags.DEFINE_boolean("strip_debug_ops", False,
                         "Remove Assert, Print, CheckNumerics and friends.", flag_values=fv)
    flags.DEFINE_boolean("control_flow_v2", True,
                         "Keep functional While/If ops, which TF.js runs (default); false lowers "
                         "them to Switch/Merge frames like the reference converter's default.",
                         flag_values=fv)
    flags.DEFINE_boolean("use_structured_outputs_names", False,
                         "Make TF.js return outputs as a dict keyed by the signature's output "
                         "names.", flag_values=fv)
    flags.DEFINE_list("metadata", [],
                      "Comma-separated name:path.json pairs, stored in userDefinedMetadata.",
                      flag_values=fv)
    flags.DEFINE_boolean("skip_op_check", False, "Convert even if TF.js lacks some ops.",
                         flag_values=fv)
    flags.DEFINE_boolean("split_weights_by_layer", False,
                         "One weight group (with its own shards) per layer: per name scope.",
                         flag_values=fv)
    flags.DEFINE_string("hub_sha256", None,
                        "INPUT an http(s) URL (tf_hub, keras, keras_keras): the sha256 the "
                        "download must have (a cached model is reused only if it had it).",
                        flag_values=fv)
    flags.DEFINE_boolean("verbose", False, "Log progress, and a traceback with errors.",
                         flag_values=fv)
    flags.DEFINE_boolean("version", False, "Print the version and exit.", flag_values=fv)
    flags.DEFINE_boolean("persistent_worker", False,
                         "Serve Bazel's persistent-worker JSON protocol on stdin/stdout.",
                         flag_values=fv)


# absl's global flags hold the converter's only for app.run and --help: each command is parsed
# into FlagValues of its own (new_flag_values), so no command sees another's flags.
FLAGS = flags.FLAGS
define_flags(FLAGS)


def new_flag_values():
    """A ``flags.FlagValues`` with the converter's flags, unparsed."""
    flag_values = flags.FlagValues()
    define_flags(flag_values)
    return flag_values


def _expand_flagfiles(args):
    """Replaces ``@file`` arguments (before ``--``) by the file's lines, as Bazel writes them."""
    expanded = []
    for index, arg in enumerate(args):
        if arg == "--":
            return expanded + args[index:]
        if arg.startswith("@") and os.path.isfile(arg[1:]):
            with open(arg[1:], encoding="utf-8") as f:
                expanded.extend(_expand_flagfiles(f.read().splitlines()))
        else:
            expanded.append(arg)
    return expanded


def parse_args(args, flag_values):
    """Parses a command line (without the program name) into ``flag_values`` (unparsed ones, as
    new_flag_values gives); returns the positionals.

    Reference-style arguments are normalised first (see argv_compat); errors raise
    ConversionError.
    """
    value_flags, bool_flags = set(), set()
    for name, flag in flag_values._flags().items():  # pylint: disable=protected-access
        (bool_flags if flag.boolean else value_flags).add(name)
    quantize_flags = {f"quantize_{d}" for d in QUANTIZATION_DTYPES}
    normalized = argv_compat.normalize(
        _expand_flagfiles(list(args)), value_flags - quantize_flags, bool_flags, quantize_flags)
    try:
        return flag_values([PROGRAM] + normalized)[1:]
    except flags.Error as e:
        raise ConversionError(str(e).splitlines()[0]) from e


def options_from_flags(input_path, output_dir, flag_values):
    """Builds ConversionOptions from the parsed ``flag_values``."""
    quantize = {}
    for dtype in QUANTIZATION_DTYPES:
        value = flag_values[f"quantize_{dtype}"].value
        if value is not None:
            quantize[dtype] = tuple(g.strip() for g in value.split(",") if g.strip()) or (
                argv_compat.ALL_WEIGHTS,)
    tags = flag_values.saved_model_tags
    return ConversionOptions(
        input_path=input_path,
        output_dir=output_dir,
        input_format=flag_values.input_format,
        output_format=flag_values.output_format,
        signature_name=flag_values.signature_name,
        saved_model_tags=None if tags is None else tuple(
            t.strip() for t in tags.split(",") if t.strip()),
        output_node_names=tuple(flag_values.output_node_names),
        quantize=quantize,
        weight_shard_size_bytes=flag_values.weight_shard_size_bytes,
        strip_debug_ops=flag_values.strip_debug_ops,
        control_flow_v2=flag_values.control_flow_v2,
        use_structured_outputs_names=flag_values.use_structured_outputs_names,
        metadata=_metadata(flag_values.metadata),
        skip_op_check=flag_values.skip_op_check,
        split_weights_by_layer=flag_values.split_weights_by_layer,
        hub_sha256=flag_values.hub_sha256,
        progress_min_bytes=flag_values.progress_min_bytes,
        stream_weights_min_bytes=flag_values.stream_weights_min_bytes)


def _metadata(entries):
    metadata = {}
    for entry in entries:
        name, sep, path = entry.partition(":")
        if not sep or not name or not path:
            raise ConversionError(f"--metadata entry {entry!r} is not name:path")
        metadata[name] = path
    return metadata


class _MessageFormatter(std_logging.Formatter):
    """Log lines as ``tfjs_converter: warning: ...``, like the error line."""

    def format(self, record):
        return f"{PROGRAM}: {record.levelname.lower()}: {record.getMessage()}"


def _log_python_warning(message, category, *_):
    """Library warnings (Keras's included) as one log line each instead of source excerpts."""
    logging.warning("%s: %s", category.__name__, one_line(message))


def convert_command(args, flag_values, only_command=False):
    """Runs the conversion that a command line asks for, its flags parsed into ``flag_values``
    (fresh ones: see new_flag_values); raises ConversionError. ``only_command``: the process
    runs no other, so TensorFlow may be imported lean (see tf_import)."""
    positionals = parse_args(args, flag_values)
    if len(positionals) != 2:
        raise ConversionError(f"expected INPUT and OUTPUT, got {len(positionals)} argument(s): "
                              f"{positionals} (see --help)")
    logging.set_verbosity(logging.INFO if flag_values.verbose else logging.WARNING)
    logging.get_absl_handler().setFormatter(_MessageFormatter())
    warnings.showwarning = _log_python_warning
    options = options_from_flags(*positionals, flag_values).validated()
    lean = only_command and options.input_format in _LEAN_INPUT_FORMATS
    result = _conversion_module(lean).convert(options)
    logging.info("wrote %s (%s) in %.2f s", result.output_dir, ", ".join(result.files),
                 sum(result.phase_seconds.values()))


# Read without tf.*, Keras or TF-Hub: a process converting only these can skip the public API.
_LEAN_INPUT_FORMATS = ("tf_saved_model", "tf_frozen_model")


def _conversion_module(lean=False):
    """Imports TensorFlow (quietly, first; see tf_import for ``lean``) and returns
    tools.converter.conversion."""
    from tools.converter import tf_import  # pylint: disable=import-outside-toplevel
    tf_import.import_tensorflow(lean=lean)
    from tools.converter import conversion  # pylint: disable=import-outside-toplevel
    return conversion


def run_command(args, only_command=False):
    """Runs one command line; returns (exit status, the one-line message for the user or "").
    ``only_command``: see convert_command."""
    flag_values = new_flag_values()
    try:
        convert_command(args, flag_values, only_command)
        return 0, ""
    except ConversionError as e:
        message, trace = f"{PROGRAM}: error: {e}", traceback.format_exc()
    except Exception as e:  # pylint: disable=broad-except
        message = (f"{PROGRAM}: error: internal error: {type(e).__name__}: {one_line(e)} "
                   "(rerun with --verbose for the traceback)")
        trace = traceback.format_exc()
    if flag_values.is_parsed() and flag_values.verbose:
        message = trace + message
    return 1, message


def main(argv):
    """Runs the command line; errors end in one line on stderr and exit status 1."""
    args = argv[1:]
    if any(a in ("-h", "--help", "-help", "--helpshort") for a in args):
        sys.stdout.write(USAGE + "\nflags:\n" + FLAGS.module_help(__name__) + "\n")
        return 0
    if "--version" in args:
        print(f"{PROGRAM} {version.VERSION} (rules_tfjs)")
        return 0
    if "--persistent_worker" in args:
        from tools.converter import worker  # pylint: disable=import-outside-toplevel
        # Imported once here rather than in each request's process (tf_keras: 0.2 s).
        _conversion_module()
        import tf_keras  # pylint: disable=import-outside-toplevel,unused-import
        worker.serve(sys.stdin.fileno(), sys.stdout, run_command)
        return 0
    status, message = run_command(args, only_command=True)
    if message:
        sys.stderr.write(message + "\n")
    return status


def _defaults_now_arguments_later(argv):
    """absl flags_parser: flags are parsed per command (by parse_args), not at start-up."""
    FLAGS([argv[0]])
    return argv


def run():
    """Entry point: ``python -m tools.converter``."""
    app.run(main, flags_parser=_defaults_now_arguments_later)
