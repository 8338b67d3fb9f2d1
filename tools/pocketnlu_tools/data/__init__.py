"""Datasets: the training record, the readers of every supported format, the in-car dataset."""
