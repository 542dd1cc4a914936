"""rules_tfjs's TensorFlow -> TensorFlow.js converter.

Library use: ``tools.converter.conversion.convert(ConversionOptions(...))``; command line:
``python -m tools.converter --help``. The stages, in order, are listed in ``pipeline.py``;
``readers/`` reads each input format, ``passes/`` optimises, ``legalize/`` makes the graph
runnable by TF.js, ``writers/`` writes weights and model.json; ``graph_view.py`` and
``graph_edit.py`` are the graph helpers the passes share.
"""
