"""Optimisation passes: rewrites that make the graph smaller or faster and keep what it computes
(their order is pipeline.OPTIMIZATION_PASSES)."""
