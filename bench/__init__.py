"""Benchmarks: Heady's gateway against a direct call and against peer gateways.

Scripts, not part of the heady package: run them from the repository root with the
project venv, e.g. ``.venv/bin/python bench/gateway.py``. See docs/benchmarks.md.
"""
