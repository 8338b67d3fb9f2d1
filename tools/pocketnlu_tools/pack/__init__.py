"""Compression and packing: quantization, the MPHF builder, weight tables, the .pnlu writer."""
