"""Providers of rules_tfjs."""

TfjsModelInfo = provider(
    doc = "A converted TF.js model: a directory holding model.json and its weight shards.",
    fields = {
        "model_dir": "File: the tree artifact holding `model.json` and `group<g>-shard<i>of<n>.bin`.",
        "format": "The TF.js model format: `graph-model` or `layers-model`.",
        "src": "depset of the source model's files (what the conversion read).",
        "input_path": "The path of the source model the converter was given (its INPUT).",
        "input_format": "The converter's `--input_format` the model was converted from.",
        "signature_name": "The SavedModel signature converted (`\"\"` when the converter chose).",
        "saved_model_tags": "List of the MetaGraph tags converted (`[]`: the converter's default).",
        "output_node_names": "List of output node names (frozen graphs), else `[]`.",
        "quantization": "Dict of quantisation dtype (`float16`, `uint8`, `uint16`) -> weight-name globs (`{}` when none).",
    },
)
