"""generated_saved_model: a SavedModel written by a program, as a training/export step would."""

def _generated_saved_model_impl(ctx):
    saved_model = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run(
        executable = ctx.executable.generator,
        arguments = [saved_model.path] + ctx.attr.generator_args,
        outputs = [saved_model],
        mnemonic = "SavedModelExport",
        progress_message = "Exporting %{label}",
        use_default_shell_env = False,
    )
    return [DefaultInfo(files = depset([saved_model]))]

generated_saved_model = rule(
    implementation = _generated_saved_model_impl,
    doc = "Runs `generator OUTPUT_DIR args...`; the output is the SavedModel directory.",
    attrs = {
        "generator": attr.label(mandatory = True, executable = True, cfg = "exec"),
        "generator_args": attr.string_list(),
    },
)
