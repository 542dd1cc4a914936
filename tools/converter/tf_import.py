"""Imports TensorFlow without its start-up chatter on stderr, whole or only its graph machinery."""

import importlib.util
import os
import sys
import tempfile
import types


def import_tensorflow(lean=False):
    """Imports TensorFlow quietly the first time; returns the ``tensorflow`` module.

    TensorFlow's C++ runtime writes informational lines (oneDNN, CUDA, CPU features) straight to
    file descriptor 2 while it loads, before any logging setting can apply. They are captured
    and shown only if the import fails, so a successful conversion stays quiet.

    ``lean`` skips ``tensorflow/__init__.py``, which builds the public API (``tf.*``, ~2,000
    modules, 1.4 s of a 2.3 s import): the package is registered as an empty module, so that
    ``tensorflow.core``/``tensorflow.python`` modules import on their own. Only for a process
    that never needs ``tf.*``, Keras or TF-Hub (a command-line conversion of a SavedModel or a
    frozen graph); a later ``import tensorflow`` in it gets the empty package.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # oneDNN changes what grappler's remapper emits (and the numerics) with the CPU it runs on;
    # conversions must not depend on the machine.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            tensorflow = _register_empty_package() if lean else importlib.import_module(
                "tensorflow")
            # The shared library, which the lean package has not loaded yet.
            importlib.import_module("tensorflow.python.pywrap_tensorflow")
        except BaseException:
            os.dup2(saved_fd, 2)
            captured.seek(0)
            sys.stderr.buffer.write(captured.read())
            raise
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
    importlib.import_module("tensorflow.python.platform.tf_logging").get_logger().setLevel("ERROR")
    return tensorflow


def _register_empty_package():
    spec = importlib.util.find_spec("tensorflow")
    package = types.ModuleType("tensorflow")
    package.__spec__, package.__path__ = spec, list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    sys.modules["tensorflow"] = package
    return package
