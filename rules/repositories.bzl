"""WORKSPACE-mode set-up: `rules_tfjs_dependencies()` then `rules_tfjs_register_toolchains()`."""

load("//rules/private:converter_env.bzl", "converter_repositories")
load("//rules/private:npm_packages.bzl", "tfjs_npm_repository")
load("//rules/private:remote_model.bzl", "remote_model")

def rules_tfjs_dependencies(python_interpreter = "", python_interpreter_target = None):
    """Declares @tfjs_converter_env (the converter's Python environment) and @tfjs_npm (TF.js).

    It does not declare @bazel_skylib, which rules_tfjs's BUILD files load (`bzl_library`): Bazel
    7's WORKSPACE suffix declares it, unless the WORKSPACE declares its own first.

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

def tfjs_remote_model(name, url, sha256 = "", strip_prefix = "", **kwargs):
    """Declares a published model as the repository `@<name>`; `@<name>//:model` is a tfjs_web_model src.

    Args:
      name: the repository's name.
      url: a TF-Hub or Kaggle handle, or the URL of a .tar.gz/.tgz/.zip archive or .keras/.h5 file.
      sha256: the sha256 of what the URL serves; required (the error without it prints the digest).
      strip_prefix: a folder of the archive that holds the model.
      **kwargs: max_size_mb, the largest total size of the extracted files in MiB (default 16384).
    """
    remote_model(name = name, url = url, sha256 = sha256, strip_prefix = strip_prefix, **kwargs)
