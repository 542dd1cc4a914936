"""WORKSPACE-mode set-up: `rules_tfjs_dependencies()` then `rules_tfjs_register_toolchains()`."""

load("//rules/private:converter_env.bzl", "converter_env")

def rules_tfjs_dependencies(python_interpreter = "", python_interpreter_target = None):
    """Creates @tfjs_converter_env, the converter's Python environment.

    Args:
      python_interpreter: path or name of a Python 3.11-3.13 (default: the first found).
      python_interpreter_target: label of a Python interpreter file (wins if given).
    """
    converter_env(
        name = "tfjs_converter_env",
        python_interpreter = python_interpreter,
        python_interpreter_target = python_interpreter_target,
    )

def rules_tfjs_register_toolchains():
    """Registers rules_tfjs's own converter as the default converter toolchain."""
    native.register_toolchains("@rules_tfjs//tools/converter:default_toolchain")
