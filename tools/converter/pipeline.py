"""The conversion pipeline, in the order it runs: every stage is a function below.

Graph models (``GRAPH_STAGES``):
    read -> freeze -> split tables -> signature outputs -> optimise -> legalise for TF.js
    -> check ops -> canonicalise -> write
Layers models (``LAYERS_STAGES``): read Keras model -> layers topology -> write.

``optimise`` runs ``OPTIMIZATION_PASSES`` (a smaller, faster graph computing the same values) and
``legalise`` runs ``LEGALIZATION_PASSES`` (what TF.js needs to run the graph at all). The op
check comes after the legalisation, since rewriting ops TF.js lacks is part of it.

Each stage takes and updates one ``Conversion``; with --verbose (absl INFO) every stage and pass
logs one line with its time and the node count after it.

Import TensorFlow through ``tools.converter.tf_import`` before this module to keep it quiet.
"""

import dataclasses
import math
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from absl import logging

from tools.converter import (graph_view, hash_tables, signature, text_file_tables, version,
                             weight_refs)
from tools.converter.legalize import (function_outputs, fused_ops, loop_list_writes, op_check,
                                      op_rewrites)
from tools.converter.options import ConversionOptions
from tools.converter.passes import (batch_norm, bias_add, depthwise, freezer, fuse_activations,
                                    graph_pruning, nchw, prelu)
from tools.converter.readers import (frozen_graph_reader, hub_reader, keras_reader,
                                     layers_model_reader, saved_model_reader)
from tools.converter.writers import (layers_model, model_json, output_dir, weight_files,
                                     weights)


@dataclasses.dataclass
class Conversion:
    """What the stages hand on to each other."""

    options: ConversionOptions
    metadata: Dict[str, Any]                 # userDefinedMetadata
    source: Any = None                       # readers.graph_source.GraphSource
    graph_def: Any = None                    # the model's GraphDef, frozen from "freeze" on
    initializer: Any = None                  # the frozen initializer GraphDef, if any
    tables: Optional[hash_tables.SplitTables] = None
    outputs: Dict[str, Any] = dataclasses.field(default_factory=dict)  # key -> TensorSpec
    fetch: List[str] = dataclasses.field(default_factory=list)  # tensors the passes keep
    constants: List[Tuple[str, Any]] = dataclasses.field(default_factory=list)
    # Weights kept out of the graphs (stand-ins), and those of them left at canonicalise:
    # (name, numpy dtype, shape, function producing the value).
    refs: Optional[weight_refs.WeightRefs] = None
    deferred: List[Tuple[str, Any, Any, Callable]] = dataclasses.field(default_factory=list)
    keras_model: Any = None                  # layers models
    topology: Any = None                     # layers models: modelTopology
    stored_weights: List[Any] = dataclasses.field(default_factory=list)  # layers models
    files: List[str] = dataclasses.field(default_factory=list)  # written, by name
    seconds: Dict[str, float] = dataclasses.field(default_factory=dict)  # by stage name


# --- the passes: each ``(name, pass(graph_def, conversion) -> graph_def)`` ---

_GENERIC_GRAPPLER = ("pruning", "constfold", "arithmetic", "dependency") * 2
# No "arithmetic" after fusing: it would merge adds back into AddN.
_FUSION_GRAPPLER = ("remap", "constfold", "dependency")


def _grappler(graph_def, c):
    debug = ("debug_stripper",) if c.options.strip_debug_ops else ()
    return freezer.run_grappler(graph_def, c.fetch, debug + _GENERIC_GRAPPLER)


def _in_place(rewrite):
    def run(graph_def, _c):
        rewrite(graph_def)
        return graph_def
    return run


def _remap(graph_def, c):
    # The remapper fuses only ops placed on a CPU; the placement is dropped afterwards.
    for node in graph_def.node:
        node.device = "/device:CPU:0"
    graph_def = freezer.run_grappler(graph_def, c.fetch, _FUSION_GRAPPLER)
    for node in graph_def.node:
        node.ClearField("device")
    return graph_def


def _prune(graph_def, c):
    return graph_pruning.prune(graph_def, [graph_view.node_name(t) for t in c.fetch])


# Same values, a smaller and faster graph. Channels-first ops become channels-last (TF.js runs
# them channels-last only) here rather than in the legalisation: the folds and fusions after it
# only match channels-last ops.
OPTIMIZATION_PASSES = (
    ("grappler: prune, fold constants, simplify", _grappler),
    ("channels-first ops as channels-last", _in_place(nchw.nchw_as_nhwc)),
    ("fold batch norms", _in_place(batch_norm.decompose_batch_norms)),
    ("fold scales into weights", _in_place(batch_norm.fold_scales_into_weights)),
    ("normalise bias adds", _in_place(bias_add.normalize_bias_adds)),
    ("grappler: fuse Conv2D/MatMul", _remap),
    ("fuse depthwise convolutions", _in_place(depthwise.fuse_depthwise_convolutions)),
    ("fuse the activations the remapper left", _in_place(fuse_activations.absorb_activations)),
    ("fuse PReLU (a TF.js op: no grappler from here on)", _in_place(prelu.fuse_prelu)),
    ("drop what no output needs", _prune),
)

# What TF.js needs to run the graph at all.
LEGALIZATION_PASSES = (
    ("split fusions TF.js cannot run", _in_place(fused_ops.split_unsupported_fusions)),
    ("rewrite ops TF.js lacks", _in_place(op_rewrites.rewrite_unsupported_ops)),
    ("drop what the rewrites left", _prune),
    ("one node per function output", _in_place(function_outputs.separate_function_outputs)),
    ("loop bodies output the tensors they write",
     _in_place(loop_list_writes.keep_written_tensors)),
)


# --- the stages of a graph model ---

def read(c: Conversion):
    """Reads the input into a GraphSource: GraphDef, variable values, signature, initializer."""
    options = c.options
    if options.input_format == "tf_frozen_model":
        c.source = frozen_graph_reader.load(options.input_path, options.output_node_names)
    elif options.input_format == "tf_hub":
        c.source = hub_reader.load(options.input_path, options.saved_model_tags,
                                   options.signature_name, options.hub_sha256)
    elif options.input_format in ("keras", "keras_keras"):
        c.source = keras_reader.trace(
            keras_reader.load_model(options.input_path, options.input_format),
            options.stream_weights_min_bytes)
    elif options.input_format == "tfjs_layers_model":
        c.source = keras_reader.trace(layers_model_reader.load(options.input_path),
                                      options.stream_weights_min_bytes)
    else:
        c.source = saved_model_reader.load(
            options.input_path, options.saved_model_tags or ("serve",),
            options.signature_name or "serving_default")
    c.graph_def = c.source.graph_def


def _weight_bytes(source) -> int:
    """The bytes of the source's variables and top-level constants (not read to count them)."""
    values = source.variable_values
    total = values.nbytes() if hasattr(values, "nbytes") else sum(
        np.asarray(v).nbytes for v in values.values())
    return total + sum(n.attr["value"].tensor.ByteSize() for n in source.graph_def.node
                       if n.op == "Const")


def freeze(c: Conversion):
    """Variables become constants and calls are inlined, in the model and its initializer;
    control flow stays functional unless --control_flow_v2=false. When the model's weights total
    --stream_weights_min_bytes or more, every weight is frozen as a stand-in (weight_refs)."""
    lower = not c.options.control_flow_v2
    source = c.source
    signature_tensors = list(source.inputs.values()) + list(source.outputs.values())
    if _weight_bytes(source) >= c.options.stream_weights_min_bytes:
        c.refs.threshold = 1
    c.graph_def = freezer.freeze(source.graph_def, source.variable_values,
                                 [s.name for s in signature_tensors], lower, c.refs)
    if source.initializer is not None:
        c.initializer = freezer.freeze(source.initializer.graph_def,
                                       source.initializer.variable_values,
                                       source.initializer.fetch, lower)


def split_tables(c: Conversion):
    """Hash tables move to a modelInitializer graph (tables filled from text files are filled
    from constants read now) and become resource inputs of the model."""
    if c.initializer is None:
        return
    text_file_tables.import_text_file_tables(c.initializer)
    c.tables = hash_tables.split(c.graph_def, c.initializer)


def signature_outputs(c: Conversion):
    """Every signature output gets an Identity node of its own; the tensors to keep are set."""
    c.outputs = signature.add_output_nodes(c.graph_def, c.source.outputs)
    resource_inputs = c.tables.resource_inputs if c.tables else {}
    c.fetch = [s.name for s in list(c.source.inputs.values()) + list(c.outputs.values())]
    c.fetch += [spec.name for spec, _ in resource_inputs.values()]


def optimise(c: Conversion):
    """Runs ``OPTIMIZATION_PASSES``."""
    c.graph_def = _run_passes(OPTIMIZATION_PASSES, c)


def legalise(c: Conversion):
    """Runs ``LEGALIZATION_PASSES``."""
    c.graph_def = _run_passes(LEGALIZATION_PASSES, c)


def check_ops(c: Conversion):
    """Fails on ops TF.js lacks, in the model and its initializer (not with
    --skip_op_check)."""
    if c.options.skip_op_check:
        return
    op_check.check_ops(c.graph_def)
    if c.tables:
        op_check.check_ops(c.tables.initializer)


def canonicalise(c: Conversion):
    """Constants and stand-ins leave the graphs for the weight files; nodes and functions are
    sorted by name, so the same input gives the same bytes."""
    c.constants = weights.extract_constants(c.graph_def)
    c.deferred = weight_refs.extract_stand_ins(c.graph_def, c.refs)
    canonical_order(c.graph_def)
    if c.tables:
        c.constants += weights.extract_constants(c.tables.initializer)
        c.deferred += weight_refs.extract_stand_ins(c.tables.initializer, c.refs)
        canonical_order(c.tables.initializer)


def write(c: Conversion):
    """Weights in TF.js dtypes, quantised and streamed into shard files; model.json; the output
    directory, replaced whole."""
    options, tables = c.options, c.tables
    stored = [weights.to_tfjs_dtype(name, value) for name, value in c.constants]
    stored += [weights.LazyWeight.of(*deferred) for deferred in c.deferred]
    stored.sort(key=lambda weight: weight.name)
    if options.use_structured_outputs_names:
        c.metadata["structuredOutputKeys"] = list(c.outputs)
    resource_inputs = tables.resource_inputs if tables else {}

    def model(manifest):
        return model_json.build(
            topology=model_json.graph_json(c.graph_def), weights_manifest=manifest,
            signature=signature.signature_json(c.source.inputs, c.outputs, resource_inputs),
            generated_by=c.source.tf_version, user_metadata=c.metadata,
            initializer=model_json.graph_json(tables.initializer) if tables else None,
            initializer_signature=tables.initializer_signature() if tables else None)
    _write_files(c, stored, model)


def _write_files(c: Conversion, stored, model_of):
    """The weight files, then model.json (``model_of(weightsManifest)``), into the output
    directory, replaced whole."""
    options = c.options
    with output_dir.staged(options.output_dir) as staging:
        manifest, c.files = weight_files.write_weights(
            staging, stored, options.quantize, options.weight_shard_size_bytes,
            options.split_weights_by_layer, options.progress_min_bytes)
        staging.write("model.json", model_json.dumps(model_of(manifest)))
    c.files.append("model.json")


GRAPH_STAGES: Sequence[Tuple[str, Callable[[Conversion], None]]] = (
    ("read", read),
    ("freeze", freeze),
    ("split tables", split_tables),
    ("signature outputs", signature_outputs),
    ("optimise", optimise),
    ("legalise for TF.js", legalise),
    ("check ops", check_ops),
    ("canonicalise", canonicalise),
    ("write", write),
)


# --- the stages of a layers model ---

def read_keras_model(c: Conversion):
    """Loads the Keras file."""
    c.keras_model = keras_reader.load_model(c.options.input_path, c.options.input_format)


def layers_topology(c: Conversion):
    """The model config in the Keras 2 form TF.js reads, and the weights by layer."""
    keras = keras_reader.keras_of(c.keras_model)
    c.topology, c.stored_weights = layers_model.convert(
        c.keras_model, keras.__name__ == "keras", keras.__version__)


def write_layers_model(c: Conversion):
    """Weights quantised and streamed into shard files; model.json; the output directory,
    replaced whole."""
    keras = keras_reader.keras_of(c.keras_model)

    def model(manifest):
        model_json_object = {
            "format": layers_model.FORMAT, "generatedBy": f"keras v{keras.__version__}",
            "convertedBy": version.CONVERTED_BY, "modelTopology": c.topology,
            "weightsManifest": manifest}
        if c.metadata:
            model_json_object["userDefinedMetadata"] = c.metadata
        return model_json_object
    _write_files(c, c.stored_weights, model)


LAYERS_STAGES: Sequence[Tuple[str, Callable[[Conversion], None]]] = (
    ("read Keras model", read_keras_model),
    ("layers topology", layers_topology),
    ("write", write_layers_model),
)


# --- running them ---

def run(options: ConversionOptions, metadata: Dict[str, Any]) -> Conversion:
    """Runs the stages for ``options.output_format``; returns the final state."""
    c = Conversion(options=options, metadata=metadata,
                   refs=weight_refs.WeightRefs(math.inf))
    stages = LAYERS_STAGES if options.output_format == "tfjs_layers_model" else GRAPH_STAGES
    with weight_refs.using(c.refs):
        for name, stage in stages:
            start = time.perf_counter()
            stage(c)
            c.seconds[name] = time.perf_counter() - start
            _log_step("stage", name, c.seconds[name], c.graph_def)
    return c


def _run_passes(passes, c):
    graph_def = c.graph_def
    for name, run_pass in passes:
        start = time.perf_counter()
        graph_def = run_pass(graph_def, c)
        _log_step("  pass", name, time.perf_counter() - start, graph_def)
    return graph_def


def node_counts(graph_def):
    """(nodes of the graph, nodes of its functions)."""
    return (len(graph_def.node),
            sum(len(f.node_def) for f in graph_def.library.function))


def _log_step(kind, name, seconds, graph_def):
    if not logging.level_info():
        return
    counts = ""
    if graph_def is not None:
        nodes, in_functions = node_counts(graph_def)
        counts = f", {nodes} nodes" + (f" (+{in_functions} in functions)" if in_functions else "")
    logging.info("%-7s %-50s %7.3f s%s", kind, name, seconds, counts)


def canonical_order(graph_def):
    """Sorts nodes and functions by name: TF.js ignores order, byte-identical output needs one."""
    nodes = sorted(graph_def.node, key=lambda n: n.name)
    del graph_def.node[:]
    graph_def.node.extend(nodes)
    functions = sorted(graph_def.library.function, key=lambda f: f.signature.name)
    del graph_def.library.function[:]
    graph_def.library.function.extend(functions)
