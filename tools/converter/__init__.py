"""rules_tfjs's TensorFlow -> TensorFlow.js converter.

Library use: ``tools.converter.conversion.convert(ConversionOptions(...))``; command line:
``python -m tools.converter --help``.
"""
