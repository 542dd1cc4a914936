"""Prints the layer sweep's table at the end of a run that swept (test_keras_sweep.py)."""

import sys


def pytest_terminal_summary(terminalreporter):
    sweep_tests = sys.modules.get("tests.converter.test_keras_sweep")
    if sweep_tests is None or not sweep_tests.REPORTED:
        return
    from tests.converter import keras_sweep  # pylint: disable=import-outside-toplevel
    terminalreporter.section("the layer sweep")
    terminalreporter.write_line(keras_sweep.table(sweep_tests.REPORTED))
    terminalreporter.write_line(keras_sweep.details(sweep_tests.REPORTED))
