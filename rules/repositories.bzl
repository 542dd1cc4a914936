"""WORKSPACE-mode set-up: `rules_tfjs_dependencies()` then `rules_tfjs_register_toolchains()`."""

load("//rules/private:converter_env.bzl", "converter_repositories")
load("//rules/private:npm_packages.bzl", "tfjs_npm_repository")

def rules_tfjs_dependencies(python_interpreter = "", python_interpreter_target = None):
    """Declares @tfjs_converter_env (the converter's Python environment) and @tfjs_npm (TF.js).

    Args:
      python_interpreter: path or name of a Python 3.11-3.13 (default: the first found).
      python_interpreter_target: label of a Python interpreter file (wins if given).
    """
    converter_repositories(
        python_interpreter = python_interpreter,
        python_interpreter_target = python_interpreter_target,
    )
    tfjs_npm_repository()

def rules_tfjs_register_toolchains():
    """Registers rules_tfjs's own converter as the default converter toolchain."""
    native.register_toolchains("@rules_tfjs//tools/converter:default_toolchain")
