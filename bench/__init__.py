"""Benchmarks: one command each, printing numbers (`edgepos bench ...`)."""
