"""Glue between the two implementations: the formula catalog, the CLI, benchmarks
and the study guide. The only package that imports both ``scratch`` and ``torch_ref``."""
__version__ = "0.1.0"
