"""Command-line entry: python -m tools.converter [flags] INPUT OUTPUT (see --help)."""

from tools.converter.cli import run

run()
