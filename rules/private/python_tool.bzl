"""An executable running a Python module of this repository in the converter's environment."""

load(":converter_environment.bzl", "ConverterEnvInfo")

_LAUNCHER = """#!/bin/sh
# Runs python -m {module} from rules_tfjs with {interpreter} (Python {version}) and the converter
# environment's wheels, all of them in the runfiles (the wheels are built for Python {version}).
set -eu
case "$0" in /*) self=$0 ;; *) self=$PWD/$0 ;; esac
if [ -d "$self.runfiles" ]; then runfiles=$self.runfiles; else runfiles=${{RUNFILES_DIR:?}}; fi
if ! command -v {interpreter} >/dev/null 2>&1; then
  echo "rules_tfjs: {interpreter} (Python {version}) is not on this machine's PATH ($PATH); the converter environment's wheels need it" >&2
  exit 1
fi
export PYTHONPATH="{pythonpath}"
export PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=3
# `bazel run` starts in the runfiles tree; relative paths on its command line are the user's.
if [ -n "${{BUILD_WORKING_DIRECTORY:-}}" ]; then cd "$BUILD_WORKING_DIRECTORY"; fi
# -S: no site-packages of the machine, only the environment's wheels.
exec {interpreter} -S -m {module} "$@"
"""

def runfiles_path(ctx, file):
    """The path of `file` under a runfiles directory."""
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return ctx.workspace_name + "/" + file.short_path

def _python_tool_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name)
    env = ctx.attr._env[ConverterEnvInfo]
    root = ctx.label.workspace_name or ctx.workspace_name
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = _LAUNCHER.format(
            module = ctx.attr.module,
            interpreter = env.interpreter,
            version = env.python_version,
            pythonpath = ":".join(["$runfiles/" + p for p in [root] + env.import_paths]),
        ),
    )
    runfiles = ctx.runfiles(files = ctx.files.srcs + ctx.files.data, transitive_files = env.files)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

python_tool = rule(
    implementation = _python_tool_impl,
    doc = "`python -m module` from this repository, run in the converter's Python environment.",
    executable = True,
    attrs = {
        "module": attr.string(mandatory = True, doc = "The module to run, e.g. tools.converter."),
        "srcs": attr.label_list(allow_files = [".py"], doc = "The Python sources it needs."),
        "data": attr.label_list(allow_files = True, doc = "Data files it reads."),
        "_env": attr.label(default = "@tfjs_converter_env//:env", providers = [ConverterEnvInfo]),
    },
)
