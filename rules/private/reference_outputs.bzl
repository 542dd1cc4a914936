"""TensorFlow's outputs of a converted model's source model: the reference TF.js must match."""

load(":providers.bzl", "TfjsModelInfo")
load(":python_tool.bzl", "PythonToolInputsInfo")

REFERENCE_ATTRS = {
    "seed": attr.int(
        default = 0,
        doc = "Seed of the inputs not given in `inputs`, drawn from the source model's input " +
              "dtypes and shapes (floats: standard normal; integers: [0, 4); an unknown batch " +
              "dimension: 1).",
    ),
    "inputs": attr.label_keyed_string_dict(
        allow_files = [".npy", ".json"],
        doc = "{file: input name}: an input's value as a .npy file, or a .json file (nested " +
              "lists, or {dtype, shape, values}).",
    ),
    "_reference_outputs": attr.label(
        default = "//tools/reference_outputs",
        executable = True,
        cfg = "exec",
    ),
}

def reference_outputs_action(ctx, model, output):
    """Registers the action writing TensorFlow's outputs of a converted model's source model.

    The inputs are those of ctx.attr.inputs, the rest drawn from ctx.attr.seed; the output is
    {"inputs": ..., "outputs": ...} JSON.

    Args:
      ctx: the context of a rule with REFERENCE_ATTRS.
      model: a target providing TfjsModelInfo.
      output: the File to write.
    """
    info = model[TfjsModelInfo]
    args = ctx.actions.args()
    args.add("--input_format=" + info.input_format)
    if info.signature_name:
        args.add("--signature_name=" + info.signature_name)
    if info.saved_model_tags:
        args.add_joined(info.saved_model_tags, join_with = ",", format_joined = "--saved_model_tags=%s")
    if info.output_node_names:
        args.add_joined(info.output_node_names, join_with = ",", format_joined = "--output_node_names=%s")
    args.add("--seed=%d" % ctx.attr.seed)
    given = []
    for target, name in sorted(ctx.attr.inputs.items(), key = lambda item: item[1]):
        files = target.files.to_list()
        if len(files) != 1:
            fail("inputs: %r must be one .npy or .json file, got %d files" % (name, len(files)))
        args.add("--input=%s=%s" % (name, files[0].path))
        given.append(files[0])
    args.add("--")
    args.add(info.input_path)
    args.add(output)
    tool = ctx.attr._reference_outputs
    ctx.actions.run(
        executable = ctx.executable._reference_outputs,
        tools = tool[PythonToolInputsInfo].files,
        arguments = [args],
        inputs = depset(given, transitive = [info.src]),
        outputs = [output],
        mnemonic = "TfjsReferenceOutputs",
        progress_message = "Running %{label}'s source model in TensorFlow",
        use_default_shell_env = False,
    )

def _tfjs_reference_outputs_impl(ctx):
    output = ctx.actions.declare_file(ctx.label.name + ".json")
    reference_outputs_action(ctx, ctx.attr.model, output)
    return [DefaultInfo(files = depset([output]), runfiles = ctx.runfiles(files = [output]))]

tfjs_reference_outputs = rule(
    implementation = _tfjs_reference_outputs_impl,
    doc = """TensorFlow's outputs of a `tfjs_web_model`'s source model, as `<name>.json`.

The source model and how it was converted come from the model's `TfjsModelInfo`; TensorFlow
runs it (in the converter's environment) on inputs drawn from `seed` or given in `inputs`. The
JSON is `{"inputs": {name: spec}, "outputs": {name: spec}}`, spec = `{dtype, shape, values}`:
what a page or test compares TF.js's outputs with. `tfjs_model_test` makes one of these itself.""",
    attrs = dict(REFERENCE_ATTRS, model = attr.label(
        mandatory = True,
        providers = [TfjsModelInfo],
        doc = "A `tfjs_web_model`.",
    )),
)
