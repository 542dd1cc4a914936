"""Writers: weights (shards, quantisation), model.json, layers-model topology, the output
directory."""
