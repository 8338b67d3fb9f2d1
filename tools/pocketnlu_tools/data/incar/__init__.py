"""The in-car command dataset: its generator, and the data it writes (incar.jsonl)."""
