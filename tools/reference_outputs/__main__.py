"""Command-line entry: python -m tools.reference_outputs [flags] MODEL OUTPUT_JSON (see --help)."""

from tools.reference_outputs.cli import run

run()
