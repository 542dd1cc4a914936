"""The converter's Python environment as a target: an interpreter command and unpacked wheels."""

ConverterEnvInfo = provider(
    doc = "A Python environment that launchers run modules in.",
    fields = {
        "interpreter": "What a launcher execs: a versioned name on the action PATH (python3.13) or an absolute path.",
        "python_version": "The interpreter's major.minor version, e.g. \"3.13\"; the wheels are built for it.",
        "runfiles_paths": "Runfiles-relative directories to put on PYTHONPATH, one per wheel.",
        "exec_paths": "The same directories relative to an action's working directory.",
        "files": "depset of every file of the environment (declared inputs of whatever runs in it).",
    },
)

def _converter_environment_impl(ctx):
    files = depset(transitive = [w[DefaultInfo].files for w in ctx.attr.wheels])
    return [
        DefaultInfo(files = files, runfiles = ctx.runfiles(transitive_files = files)),
        ConverterEnvInfo(
            interpreter = ctx.attr.interpreter,
            python_version = ctx.attr.python_version,
            runfiles_paths = [w.label.workspace_name + "/site" for w in ctx.attr.wheels],
            exec_paths = [w.label.workspace_root + "/site" for w in ctx.attr.wheels],
            files = files,
        ),
    ]

converter_environment = rule(
    implementation = _converter_environment_impl,
    doc = "Gathers the unpacked wheels of `@tfjs_converter_wheel_*` with the interpreter that runs them.",
    attrs = {
        "interpreter": attr.string(mandatory = True),
        "python_version": attr.string(mandatory = True),
        "wheels": attr.label_list(mandatory = True, doc = "The `:site` targets of the wheel repositories."),
    },
)
