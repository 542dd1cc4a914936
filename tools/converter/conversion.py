"""A whole conversion, as a library call: read, freeze, optimise, check, write.

Import TensorFlow through ``tools.converter.tf_import`` before this module to keep it quiet.
"""

import dataclasses
import json
import os
import time
from typing import Dict, Tuple

from tools.converter import hash_tables, remote_input, signature, text_file_tables, version
from tools.converter.legalize import function_outputs, loop_list_writes, op_check
from tools.converter.passes import optimizer
from tools.converter.readers import (frozen_graph_reader, hub_reader, keras_reader,
                                     layers_model_reader, saved_model_reader)
from tools.converter.writers import layers_model, model_json, output_dir, weights
from tools.converter.errors import ConversionError
from tools.converter.passes.freezer import freeze
from tools.converter.options import ConversionOptions
from tools.remote_models import handles


@dataclasses.dataclass(frozen=True)
class ConversionResult:
    """What a conversion wrote, and how long each phase took (seconds)."""

    output_dir: str
    files: Tuple[str, ...]
    phase_seconds: Dict[str, float]
    op_counts: Dict[str, int]


class _PhaseTimer:
    def __init__(self):
        self.seconds = {}
        self._start = time.perf_counter()

    def lap(self, phase):
        now = time.perf_counter()
        self.seconds[phase] = now - self._start
        self._start = now


def _read(options: ConversionOptions):
    if options.input_format == "tf_frozen_model":
        return frozen_graph_reader.load(options.input_path, options.output_node_names)
    if options.input_format == "tf_hub":
        return hub_reader.load(options.input_path, options.saved_model_tags, options.signature_name,
                               options.hub_sha256)
    if options.input_format in ("keras", "keras_keras"):
        return keras_reader.trace(keras_reader.load_model(options.input_path, options.input_format))
    if options.input_format == "tfjs_layers_model":
        return keras_reader.trace(layers_model_reader.load(options.input_path))
    return saved_model_reader.load(
        options.input_path, options.saved_model_tags or ("serve",),
        options.signature_name or "serving_default")


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


def _canonical_order(graph_def):
    """Sorts nodes and functions by name: TF.js ignores order, byte-identical output needs one."""
    nodes = sorted(graph_def.node, key=lambda n: n.name)
    del graph_def.node[:]
    graph_def.node.extend(nodes)
    functions = sorted(graph_def.library.function, key=lambda f: f.signature.name)
    del graph_def.library.function[:]
    graph_def.library.function.extend(functions)


def _convert_layers_model(options, metadata, timer):
    """Keras -> TF.js layers model: the translated config, and the weights by layer."""
    model = keras_reader.load_model(options.input_path, options.input_format)
    timer.lap("load")
    keras = keras_reader.keras_of(model)
    topology, stored = layers_model.convert(model, keras.__name__ == "keras", keras.__version__)
    manifest, files = weights.build_manifest(
        stored, options.quantize, options.weight_shard_size_bytes, options.split_weights_by_layer)
    model_json_object = {
        "format": layers_model.FORMAT, "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": version.CONVERTED_BY, "modelTopology": topology,
        "weightsManifest": manifest}
    if metadata:
        model_json_object["userDefinedMetadata"] = metadata
    files["model.json"] = model_json.dumps(model_json_object)
    output_dir.write_files(options.output_dir, files)
    timer.lap("write")
    return ConversionResult(os.path.abspath(options.output_dir), tuple(sorted(files)),
                            timer.seconds, {})


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
    timer = _PhaseTimer()
    if options.output_format == "tfjs_layers_model":
        return _convert_layers_model(options, metadata, timer)
    source = _read(options)
    timer.lap("load")

    lower = not options.control_flow_v2
    signature_tensors = list(source.inputs.values()) + list(source.outputs.values())
    graph_def = freeze(source.graph_def, source.variable_values,
                       [s.name for s in signature_tensors], lower)
    tables = None
    if source.initializer is not None:
        initializer = freeze(source.initializer.graph_def, source.initializer.variable_values,
                             source.initializer.fetch, lower)
        text_file_tables.import_text_file_tables(initializer)
        tables = hash_tables.split(graph_def, initializer)
    resource_inputs = tables.resource_inputs if tables else {}
    outputs = signature.add_output_nodes(graph_def, source.outputs)
    fetch = [s.name for s in list(source.inputs.values()) + list(outputs.values())]
    fetch += [spec.name for spec, _ in resource_inputs.values()]
    timer.lap("freeze")
    graph_def = optimizer.optimize(graph_def, fetch, options.strip_debug_ops)
    if not options.skip_op_check:
        op_check.check_ops(graph_def)
        if tables:
            op_check.check_ops(tables.initializer)
    function_outputs.separate_function_outputs(graph_def)
    loop_list_writes.keep_written_tensors(graph_def)
    timer.lap("optimize")

    constants = weights.extract_constants(graph_def)
    _canonical_order(graph_def)
    initializer_json = None
    if tables:
        constants += weights.extract_constants(tables.initializer)
        _canonical_order(tables.initializer)
        initializer_json = model_json.graph_json(tables.initializer)
    stored = [weights.to_tfjs_dtype(name, value) for name, value in sorted(constants)]
    manifest, files = weights.build_manifest(
        stored, options.quantize, options.weight_shard_size_bytes, options.split_weights_by_layer)
    if options.use_structured_outputs_names:
        metadata["structuredOutputKeys"] = list(outputs)
    model = model_json.build(
        topology=model_json.graph_json(graph_def), weights_manifest=manifest,
        signature=signature.signature_json(source.inputs, outputs, resource_inputs),
        generated_by=source.tf_version, user_metadata=metadata, initializer=initializer_json,
        initializer_signature=tables.initializer_signature() if tables else None)
    files["model.json"] = model_json.dumps(model)
    output_dir.write_files(options.output_dir, files)
    timer.lap("write")
    op_counts = {}
    for node in graph_def.node:
        op_counts[node.op] = op_counts.get(node.op, 0) + 1
    return ConversionResult(os.path.abspath(options.output_dir), tuple(sorted(files)),
                            timer.seconds, dict(sorted(op_counts.items())))
