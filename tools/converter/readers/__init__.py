"""Readers: each input format (SavedModel, frozen GraphDef, TF-Hub, Keras files, TF.js layers
models) read into a GraphSource (readers/graph_source.py), with the helpers that name a damaged file."""
