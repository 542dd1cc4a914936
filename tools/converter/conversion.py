"""A whole conversion, as a library call: the stages are in ``tools.converter.pipeline``.

Import TensorFlow through ``tools.converter.tf_import`` before this module to keep it quiet.
"""

import dataclasses
import json
import os
from typing import Dict, Tuple

from tools.converter import pipeline, remote_input
from tools.converter.errors import ConversionError
from tools.converter.options import ConversionOptions
from tools.converter.writers import output_dir
from tools.remote_models import handles


@dataclasses.dataclass(frozen=True)
class ConversionResult:
    """What a conversion wrote, and how long each stage took (seconds, by stage name)."""

    output_dir: str
    files: Tuple[str, ...]
    phase_seconds: Dict[str, float]
    op_counts: Dict[str, int]


def _read_metadata(entries):
    metadata = {}
    for name, path in sorted(entries.items()):
        try:
            with open(path, encoding="utf-8") as f:
                metadata[name] = json.load(f)
        except OSError as e:
            raise ConversionError(f"--metadata {name}: cannot read {path}: {e.strerror}") from e
        except ValueError as e:
            raise ConversionError(f"--metadata {name}: {path} is not JSON: {e}") from e
    return metadata


def convert(options: ConversionOptions) -> ConversionResult:
    """Converts ``options.input_path`` into a TF.js model in ``options.output_dir``.

    Raises ConversionError (one line) for problems with the input or the options; nothing is
    written unless the whole conversion succeeds.
    """
    options = options.validated()
    output_dir.check_output_dir(options.output_dir)
    metadata = _read_metadata(options.metadata)
    if options.input_format in ("keras", "keras_keras") and handles.is_http(options.input_path):
        options = dataclasses.replace(options, input_path=remote_input.fetch(
            options.input_path, options.hub_sha256, keras_file=True))
    done = pipeline.run(options, metadata)
    op_counts = {}
    if done.graph_def is not None:
        for node in done.graph_def.node:
            op_counts[node.op] = op_counts.get(node.op, 0) + 1
    return ConversionResult(os.path.abspath(options.output_dir), tuple(sorted(done.files)),
                            done.seconds, dict(sorted(op_counts.items())))
