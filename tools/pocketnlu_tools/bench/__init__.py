"""Benchmarks against the peers (the `bench` extra); each writes one block of BENCHMARKS.md."""
