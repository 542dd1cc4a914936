"""TF.js legalisation: what makes a graph runnable by TF.js rather than smaller (the op
check, and the passes in pipeline.LEGALIZATION_PASSES)."""
