"""The tfjs_web_model rule: a TensorFlow or Keras model converted to a TF.js model directory."""

load(":formats.bzl", "INPUT_FORMATS", "KERAS_FORMATS", "OUTPUT_FORMATS", "QUANTIZATION_DTYPES")
load(":providers.bzl", "TfjsModelInfo")

_FILE_FORMATS = ["tf_frozen_model", "keras", "keras_keras"]
_FORMAT_NAMES = {"tfjs_graph_model": "graph-model", "tfjs_layers_model": "layers-model"}
_TOOLCHAIN_TYPE = Label("//rules/toolchain:type")
_QUANTIZE_DOCS = {
    "float16": "Globs over weight names (graph node names) of the float32 weights to store as " +
               "float16; `[\"*\"]` for all. A weight claimed by two quantize_ attributes, or a " +
               "glob matching no weight, fails the conversion.",
    "uint8": "Weight-name globs of the float32 weights to store as affine uint8 " +
             "(`value = min + scale * q`); `[\"*\"]` for all.",
    "uint16": "Weight-name globs of the float32 weights to store as affine uint16; `[\"*\"]` " +
              "for all.",
}
_SAVED_MODEL_FILES = ["saved_model.pb", "saved_model.pbtxt", "tfhub_module.pb"]

def _output_format(ctx):
    """The attribute, or the converter's default: layers for Keras inputs, else graph."""
    if ctx.attr.output_format:
        return ctx.attr.output_format
    return "tfjs_layers_model" if ctx.attr.input_format in KERAS_FORMATS else "tfjs_graph_model"

def _layers_model_json(files):
    """The model.json of a TF.js layers model: in a directory (e.g. another tfjs_web_model) or
    among its files."""
    if len(files) == 1 and files[0].is_directory:
        return files[0].path + "/model.json"
    found = [f for f in files if f.basename == "model.json"]
    if len(found) != 1:
        fail("src of input_format \"tfjs_layers_model\" must be a directory holding model.json, " +
             "or files that include one model.json; got %s" % [f.short_path for f in files][:5])
    return found[0].path

def _input_path(ctx):
    """The INPUT argument: a directory (tree artifact or source files of one), a .pb or Keras
    file, or a layers model's model.json."""
    files = ctx.files.src
    if ctx.attr.input_format == "tfjs_layers_model":
        return _layers_model_json(files)
    if len(files) == 1 and (files[0].is_directory or ctx.attr.input_format in _FILE_FORMATS):
        return files[0].path
    if ctx.attr.input_format in _FILE_FORMATS:
        fail("src of input_format %r must be one file, got %d files" % (ctx.attr.input_format, len(files)))
    markers = [f for f in files if f.basename in _SAVED_MODEL_FILES]
    if not markers:
        fail("src must be a SavedModel directory (a directory target, or files that include " +
             "saved_model.pb), or a .pb file with input_format = \"tf_frozen_model\"; got %s" %
             [f.short_path for f in files][:5])
    return markers[0].dirname

def _converter_args(ctx, input_path, output_dir):
    args = ctx.actions.args()
    # In a params file: what a persistent worker reads as its request's arguments.
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("--input_format=" + ctx.attr.input_format)
    args.add("--output_format=" + _output_format(ctx))
    if ctx.attr.signature_name:
        args.add("--signature_name=" + ctx.attr.signature_name)
    if ctx.attr.saved_model_tags:
        args.add_joined(ctx.attr.saved_model_tags, join_with = ",", format_joined = "--saved_model_tags=%s")
    if ctx.attr.output_node_names:
        args.add_joined(ctx.attr.output_node_names, join_with = ",", format_joined = "--output_node_names=%s")
    for dtype in QUANTIZATION_DTYPES:
        globs = getattr(ctx.attr, "quantize_" + dtype)
        if globs:
            args.add_joined(globs, join_with = ",", format_joined = "--quantize_%s=%%s" % dtype)
    args.add("--weight_shard_size_bytes=%d" % ctx.attr.weight_shard_size_bytes)
    for flag in ("strip_debug_ops", "control_flow_v2", "use_structured_outputs_names", "skip_op_check",
                 "split_weights_by_layer"):
        args.add("--%s=%s" % (flag, "true" if getattr(ctx.attr, flag) else "false"))
    if ctx.attr.metadata:
        entries = []
        for target, name in ctx.attr.metadata.items():
            files = target.files.to_list()
            if len(files) != 1:
                fail("metadata %r must be one JSON file, got %d files" % (name, len(files)))
            entries.append("%s:%s" % (name, files[0].path))
        args.add("--metadata=" + ",".join(sorted(entries)))
    args.add("--")
    args.add(input_path)
    args.add(output_dir.path)
    return args

def _tfjs_web_model_impl(ctx):
    output_format = _output_format(ctx)
    if output_format == "tfjs_layers_model" and ctx.attr.input_format not in KERAS_FORMATS:
        fail("output_format \"tfjs_layers_model\" needs a Keras input_format (%s), not %r" %
             (", ".join(KERAS_FORMATS), ctx.attr.input_format))
    if ctx.attr.weight_shard_size_bytes <= 0:
        fail("weight_shard_size_bytes must be positive, got %d" % ctx.attr.weight_shard_size_bytes)
    claimed = {}
    for dtype in QUANTIZATION_DTYPES:
        for glob in getattr(ctx.attr, "quantize_" + dtype):
            if glob in claimed:
                fail("weight glob %r is given to quantize_%s and quantize_%s" % (glob, claimed[glob], dtype))
            claimed[glob] = dtype
    model_dir = ctx.actions.declare_directory(ctx.label.name)
    input_path = _input_path(ctx)
    toolchain = ctx.toolchains[_TOOLCHAIN_TYPE]
    ctx.actions.run(
        executable = toolchain.converter,
        # The converter's Python environment, when it is not in the converter's runfiles: tools
        # are inputs that a persistent worker is keyed on.
        tools = toolchain.converter_tools,
        arguments = [_converter_args(ctx, input_path, model_dir)],
        inputs = depset(ctx.files.src + ctx.files.metadata),
        outputs = [model_dir],
        mnemonic = "TfjsConvert",
        progress_message = "Converting %%{label} to a TF.js %s" % _FORMAT_NAMES[output_format].replace("-", " "),
        use_default_shell_env = False,
        # One converter process serves many conversions, paying TensorFlow's import once.
        execution_requirements = {
            "supports-workers": "1",
            "requires-worker-protocol": "json",
            # A cancelled conversion (--experimental_worker_cancellation) kills only its own
            # forked process; the worker goes on.
            "supports-worker-cancellation": "1",
        },
        toolchain = _TOOLCHAIN_TYPE,
    )
    quantization = {}
    for dtype in QUANTIZATION_DTYPES:
        if getattr(ctx.attr, "quantize_" + dtype):
            quantization[dtype] = getattr(ctx.attr, "quantize_" + dtype)
    return [
        DefaultInfo(files = depset([model_dir]), runfiles = ctx.runfiles(files = [model_dir])),
        TfjsModelInfo(
            model_dir = model_dir,
            format = _FORMAT_NAMES[output_format],
            src = depset(ctx.files.src),
            input_path = input_path,
            input_format = ctx.attr.input_format,
            signature_name = ctx.attr.signature_name,
            saved_model_tags = ctx.attr.saved_model_tags,
            output_node_names = ctx.attr.output_node_names,
            quantization = quantization,
        ),
    ]

tfjs_web_model = rule(
    implementation = _tfjs_web_model_impl,
    doc = """Converts a TensorFlow or Keras model into a TF.js graph or layers model.

The output is one directory, `<name>/`, holding `model.json` and `group1-shard<i>of<n>.bin`,
returned in `DefaultInfo` (so filegroups, genrules and packaging rules take it as is) and in
`TfjsModelInfo`. The conversion is a hermetic, remote-cacheable action: the same model and
attributes give byte-identical files on any machine and checkout path.

Example:

```starlark
tfjs_web_model(
    name = "mobilenet_web",
    src = ":mobilenet_saved_model",
    quantize_float16 = ["*"],
)

# A Keras 3 file as a layers model (tf.loadLayersModel), and that layers model as a graph model.
tfjs_web_model(name = "classifier_layers", src = "classifier.keras", input_format = "keras_keras")
tfjs_web_model(
    name = "classifier_graph",
    src = ":classifier_layers",
    input_format = "tfjs_layers_model",
    output_format = "tfjs_graph_model",
)
```""",
    attrs = dict({
        "src": attr.label(
            mandatory = True,
            allow_files = True,
            doc = "The model: a SavedModel or TF-Hub module directory (a target producing a " +
                  "directory, or the files of one including `saved_model.pb`), a frozen " +
                  "GraphDef `.pb`, a Keras `.h5`/`.keras` file, or a TF.js layers model (a " +
                  "directory such as another `tfjs_web_model`, or files including `model.json`).",
        ),
        "input_format": attr.string(
            default = "tf_saved_model",
            values = INPUT_FORMATS,
            doc = "Format of `src`: " + ", ".join(["`%s`" % f for f in INPUT_FORMATS]) +
                  " (another value is an error naming these when the BUILD file is loaded).",
        ),
        "output_format": attr.string(
            values = [""] + OUTPUT_FORMATS,
            doc = "`tfjs_graph_model`, or `tfjs_layers_model` (Keras inputs only: for others " +
                  "analysis fails). Empty: layers for Keras inputs, graph for the rest, as the " +
                  "converter does. `TfjsModelInfo.format` says which.",
        ),
        "signature_name": attr.string(
            doc = "SavedModel signature to convert. Empty: `serving_default` (TF-Hub: " +
                  "`default`, else `serving_default`, else the only one).",
        ),
        "saved_model_tags": attr.string_list(
            doc = "Tags of the MetaGraph to convert. Empty: `serve` (a TF1 hub module: its " +
                  "untagged graph).",
        ),
        "output_node_names": attr.string_list(
            doc = "`tf_frozen_model`: names of the output nodes (required there).",
        ),
        "weight_shard_size_bytes": attr.int(
            default = 4194304,
            doc = "Size in bytes of each weight file (`group<g>-shard<i>of<n>.bin`; the last " +
                  "of a group may be smaller); must be positive.",
        ),
        "strip_debug_ops": attr.bool(doc = "Remove `Assert`, `Print`, `CheckNumerics` and friends."),
        "control_flow_v2": attr.bool(
            default = True,
            doc = "Keep functional `While`/`If` (TF.js runs them); False lowers them to " +
                  "`Switch`/`Merge` frames, as the reference converter does by default.",
        ),
        "use_structured_outputs_names": attr.bool(
            doc = "TF.js `predict()` returns a dict keyed by output name " +
                  "(`userDefinedMetadata.structuredOutputKeys`).",
        ),
        "metadata": attr.label_keyed_string_dict(
            allow_files = [".json"],
            doc = "JSON files stored in model.json's `userDefinedMetadata`, each under its " +
                  "name: `{\":labels.json\": \"labels\"}`.",
        ),
        "skip_op_check": attr.bool(doc = "Write the model even if TF.js lacks some of its ops."),
        "split_weights_by_layer": attr.bool(
            doc = "One weight group, with its own shard files, per layer (node name scope).",
        ),
    }, **{
        "quantize_" + dtype: attr.string_list(doc = _QUANTIZE_DOCS[dtype])
        for dtype in QUANTIZATION_DTYPES
    }),
    toolchains = [_TOOLCHAIN_TYPE],
)
