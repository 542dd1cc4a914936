"""Imports TensorFlow without its start-up chatter on stderr."""

import os
import sys
import tempfile


def import_tensorflow():
    """Returns the ``tensorflow`` module, importing it quietly the first time.

    TensorFlow's C++ runtime writes informational lines (oneDNN, CUDA, CPU features) straight to
    file descriptor 2 while it loads, before any logging setting can apply. They are captured
    and shown only if the import fails, so a successful conversion stays quiet.
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
            import tensorflow  # pylint: disable=import-outside-toplevel
        except BaseException:
            os.dup2(saved_fd, 2)
            captured.seek(0)
            sys.stderr.buffer.write(captured.read())
            raise
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow
