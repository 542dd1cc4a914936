"""Test helpers for e2e workspaces: generated models, and TF.js checks of converted ones."""

def _e2e_model_impl(ctx):
    if ctx.attr.kind == "frozen_graph":
        model = ctx.actions.declare_file(ctx.label.name + ".pb")
    elif ctx.attr.kind == "keras_file":
        model = ctx.actions.declare_file(ctx.label.name + ".keras")
    else:
        model = ctx.actions.declare_directory(ctx.label.name)
    expected = ctx.actions.declare_file(ctx.label.name + ".expected.json")
    ctx.actions.run(
        executable = ctx.executable._make_models,
        arguments = [ctx.attr.kind, model.path, expected.path],
        outputs = [model, expected],
        mnemonic = "E2eModel",
        progress_message = "Writing test model %{label}",
        use_default_shell_env = False,
    )
    return [
        DefaultInfo(files = depset([model])),
        OutputGroupInfo(expected = depset([expected])),
    ]

e2e_model = rule(
    implementation = _e2e_model_impl,
    doc = "A test model (kind: loop_saved_model, frozen_graph, keras_file, unsupported_op) and, in output group " +
          "'expected', TensorFlow's outputs for fixed inputs.",
    attrs = {
        "kind": attr.string(mandatory = True, values = ["loop_saved_model", "frozen_graph", "keras_file", "unsupported_op"]),
        "_make_models": attr.label(
            default = "//tests/e2e_support:make_models",
            executable = True,
            cfg = "exec",
        ),
    },
)

def tfjs_model_test(name, model, expected_from, rtol = "1e-5", atol = "1e-6", **kwargs):
    """A test that TF.js runs `model` and matches the expected outputs of `expected_from`."""
    native.filegroup(name = name + "_expected", srcs = [expected_from], output_group = "expected")
    bundle = str(Label("@tfjs_npm//:node_modules/@tensorflow/tfjs/dist/tf.min.js"))
    native.sh_test(
        name = name,
        srcs = ["@rules_tfjs//tests/js:node_test.sh"],
        args = [
            "$(rootpath %s)" % bundle,
            "$(rootpath @rules_tfjs//tests/js:check_model.js)",
            "$(rootpath %s)" % model,
            "$(rootpath :%s_expected)" % name,
            rtol,
            atol,
        ],
        data = [
            model,
            ":%s_expected" % name,
            bundle,
            "@rules_tfjs//tests/js:check_model.js",
            "@rules_tfjs//tools/js:graph_model_io.js",
            str(Label("@tfjs_npm//:node_modules")),
        ],
        **kwargs
    )
