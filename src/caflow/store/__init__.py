"""Embedded result store (DuckDB): replay results kept so later commands query them without
recomputing (``store (DuckDB)``)."""
