"""Float training: the linear models, setting selection on dev, the pipeline, evaluation."""
