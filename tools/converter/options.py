"""What a conversion is asked to do, validated before any TensorFlow work starts."""

import dataclasses
import re
from typing import Mapping, Optional, Tuple

from tools.converter.errors import ConversionError
from tools.remote_models import handles

INPUT_FORMATS = ("tf_saved_model", "tf_frozen_model", "tf_hub", "keras", "keras_keras",
                 "keras_saved_model", "tfjs_layers_model")
KERAS_FORMATS = ("keras", "keras_keras", "keras_saved_model")
OUTPUT_FORMATS = ("tfjs_graph_model", "tfjs_layers_model")
DEFAULT_SHARD_SIZE_BYTES = 4 * 1024 * 1024
DEFAULT_PROGRESS_MIN_BYTES = 256 << 20  # conversions writing less say nothing of their progress
# Models whose weights total this many bytes or more keep them out of the GraphDef
# (--stream_weights_min_bytes).
DEFAULT_STREAM_WEIGHTS_MIN_BYTES = 64 << 20
QUANTIZATION_DTYPES = ("float16", "uint8", "uint16")
_DOWNLOADABLE = ("tf_hub", "keras", "keras_keras")  # formats whose INPUT may be an http(s) URL


@dataclasses.dataclass(frozen=True)
class ConversionOptions:
    """One conversion: the reference ``tensorflowjs_converter``'s arguments, as values.

    ``signature_name`` None means ``serving_default`` (for a TF1 hub module: ``default``);
    ``saved_model_tags`` None means ``serve`` (for a TF1 hub module: the untagged graph).
    ``control_flow_v2`` keeps functional ``While``/``If`` ops, which TF.js executes; False
    lowers them to Switch/Merge frames, as the reference converter does by default.
    ``quantize`` maps a dtype (float16, uint8, uint16) to the weight-name globs it applies to.
    ``hub_sha256`` is the sha256 (hex) that the download must have when INPUT is an http(s)
    URL (tf_hub, keras, keras_keras). Conversions writing ``progress_min_bytes`` of weights or
    more show their progress on stderr. A model whose weights total ``stream_weights_min_bytes``
    or more keeps them out of the GraphDef (stand-ins, tools/converter/weight_refs.py): each is
    read when written.
    """

    input_path: str
    output_dir: str
    input_format: str = "tf_saved_model"
    output_format: Optional[str] = None
    signature_name: Optional[str] = None
    saved_model_tags: Optional[Tuple[str, ...]] = None
    output_node_names: Tuple[str, ...] = ()
    quantize: Mapping[str, Tuple[str, ...]] = dataclasses.field(default_factory=dict)
    weight_shard_size_bytes: int = DEFAULT_SHARD_SIZE_BYTES
    strip_debug_ops: bool = False
    control_flow_v2: bool = True
    use_structured_outputs_names: bool = False
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)
    skip_op_check: bool = False
    split_weights_by_layer: bool = False
    hub_sha256: Optional[str] = None
    progress_min_bytes: int = DEFAULT_PROGRESS_MIN_BYTES
    stream_weights_min_bytes: int = DEFAULT_STREAM_WEIGHTS_MIN_BYTES

    def validated(self):
        """Returns these options with defaults resolved, or raises ConversionError."""
        if self.input_format not in INPUT_FORMATS:
            raise ConversionError(
                f"--input_format={self.input_format} is not supported; use one of: "
                + ", ".join(INPUT_FORMATS))
        default = "tfjs_layers_model" if self.input_format in KERAS_FORMATS else "tfjs_graph_model"
        output_format = self.output_format or default
        if output_format not in OUTPUT_FORMATS or (
                output_format == "tfjs_layers_model" and self.input_format not in KERAS_FORMATS):
            raise ConversionError(
                f"--output_format={output_format} is not supported for --input_format="
                f"{self.input_format}; use one of: " + ", ".join(
                    f for f in OUTPUT_FORMATS
                    if f == "tfjs_graph_model" or self.input_format in KERAS_FORMATS))
        if self.weight_shard_size_bytes <= 0:
            raise ConversionError(
                f"--weight_shard_size_bytes must be positive, got {self.weight_shard_size_bytes}")
        if self.stream_weights_min_bytes <= 0:
            raise ConversionError("--stream_weights_min_bytes must be positive, got "
                                  f"{self.stream_weights_min_bytes}")
        unknown = sorted(set(self.quantize) - set(QUANTIZATION_DTYPES))
        if unknown:
            raise ConversionError(f"unknown quantization dtype(s): {', '.join(unknown)}")
        if self.input_format == "tf_frozen_model" and not self.output_node_names:
            raise ConversionError(
                "--output_node_names is required for --input_format=tf_frozen_model "
                "(comma-separated names of the graph's output nodes)")
        if self.hub_sha256 is not None:
            if self.input_format not in _DOWNLOADABLE or not handles.is_http(self.input_path):
                raise ConversionError(
                    "--hub_sha256 applies to an http(s) URL as INPUT with --input_format="
                    f"{', '.join(_DOWNLOADABLE)}, not {self.input_path}")
            if not re.fullmatch(r"[0-9a-fA-F]{64}", self.hub_sha256):
                raise ConversionError(f"--hub_sha256={self.hub_sha256} is not a sha256 "
                                      "(64 hex digits)")
        return dataclasses.replace(self, output_format=output_format)
