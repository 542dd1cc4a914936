"""An executable running a Python module of this repository in the converter's environment."""

_LAUNCHER = """#!/bin/sh
# Runs python -m {module} from rules_tfjs in the converter's Python environment.
set -eu
case "$0" in /*) self=$0 ;; *) self=$PWD/$0 ;; esac
if [ -d "$self.runfiles" ]; then runfiles=$self.runfiles; else runfiles=${{RUNFILES_DIR:?}}; fi
export PYTHONPATH="$runfiles/{root}"
# `bazel run` starts in the runfiles tree; relative paths on its command line are the user's.
if [ -n "${{BUILD_WORKING_DIRECTORY:-}}" ]; then cd "$BUILD_WORKING_DIRECTORY"; fi
exec "$runfiles/{python}" -m {module} "$@"
"""

def runfiles_path(ctx, file):
    """The path of `file` under a runfiles directory."""
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return ctx.workspace_name + "/" + file.short_path

def _python_tool_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name)
    python = ctx.file._python
    root = ctx.label.workspace_name or ctx.workspace_name
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = _LAUNCHER.format(
            module = ctx.attr.module,
            root = root,
            python = runfiles_path(ctx, python),
        ),
    )
    runfiles = ctx.runfiles(files = ctx.files.srcs + ctx.files.data + ctx.files._python_env)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

python_tool = rule(
    implementation = _python_tool_impl,
    doc = "`python -m module` from this repository, run by the converter environment's Python.",
    executable = True,
    attrs = {
        "module": attr.string(mandatory = True, doc = "The module to run, e.g. tools.converter."),
        "srcs": attr.label_list(allow_files = [".py"], doc = "The Python sources it needs."),
        "data": attr.label_list(allow_files = True, doc = "Data files it reads."),
        "_python": attr.label(
            default = "@tfjs_converter_env//:python.sh",
            allow_single_file = True,
        ),
        "_python_env": attr.label(default = "@tfjs_converter_env//:python"),
    },
)
