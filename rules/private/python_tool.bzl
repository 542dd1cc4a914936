"""An executable running a Python module of this repository in the converter's environment."""

load(":converter_environment.bzl", "ConverterEnvInfo")

PythonToolInputsInfo = provider(
    doc = "Files an action must declare (as `tools`) to run a python_tool whose environment is " +
          "not in its runfiles.",
    fields = {"files": "depset of the environment's files."},
)

_LAUNCHER = """#!/bin/sh
# Runs python -m {module} from rules_tfjs with {interpreter} (Python {version}) and the converter
# environment's wheels (built for Python {version}), found {where}.
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

def _python_tool_impl(ctx):
    launcher = ctx.actions.declare_file(ctx.label.name)
    env = ctx.attr._env[ConverterEnvInfo]
    root = "$runfiles/" + (ctx.label.workspace_name or ctx.workspace_name)
    if ctx.attr.env_as_action_inputs:
        # Declared inputs sit at their exec paths under the action's working directory.
        wheels = ["$PWD/" + p for p in env.exec_paths]
        where = "at their exec paths: the action declares them as tools"
    else:
        wheels = ["$runfiles/" + p for p in env.runfiles_paths]
        where = "in the runfiles"
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = _LAUNCHER.format(
            module = ctx.attr.module,
            interpreter = env.interpreter,
            version = env.python_version,
            pythonpath = ":".join([root] + wheels),
            where = where,
        ),
    )
    files = ctx.files.srcs + ctx.files.data
    if ctx.attr.env_as_action_inputs:
        return [
            DefaultInfo(executable = launcher, runfiles = ctx.runfiles(files = files)),
            PythonToolInputsInfo(files = env.files),
        ]
    return [DefaultInfo(
        executable = launcher,
        runfiles = ctx.runfiles(files = files, transitive_files = env.files),
    )]

python_tool = rule(
    implementation = _python_tool_impl,
    doc = "`python -m module` from this repository, run in the converter's Python environment.",
    executable = True,
    attrs = {
        "module": attr.string(mandatory = True, doc = "The module to run, e.g. tools.converter."),
        "srcs": attr.label_list(allow_files = [".py"], doc = "The Python sources it needs."),
        "data": attr.label_list(allow_files = True, doc = "Data files it reads."),
        "env_as_action_inputs": attr.bool(
            doc = "Leave the environment out of the runfiles: actions running the tool declare " +
                  "PythonToolInputsInfo.files as tools, so the environment's files are listed " +
                  "among the action's inputs (aquery) and linked once into its sandbox. Such a " +
                  "tool runs only inside those actions, not with `bazel run`.",
        ),
        "_env": attr.label(default = "@tfjs_converter_env//:env", providers = [ConverterEnvInfo]),
    },
)
