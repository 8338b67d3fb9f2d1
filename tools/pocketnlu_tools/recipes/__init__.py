"""Recipes for files shipped in the repository (default model, speech language model, golden
files, fuzz seeds). Each takes its output path explicitly and never writes into an installed package."""
