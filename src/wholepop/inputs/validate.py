"""Validation of the input layer (placeholder until the validator lands: reads only)."""

from __future__ import annotations

from pathlib import Path

from wholepop.engine import connect
from wholepop.inputs.load import Inputs, open_inputs
from wholepop.inputs.problems import Problem

__all__ = ["load_inputs"]


def load_inputs(folder: str | Path, contract=None, engine: str = "duckdb", backend=None) -> tuple[Inputs, tuple[Problem, ...]]:
    """Read ``folder`` and return its typed tables with every problem found."""
    backend = backend or connect(engine)
    return open_inputs(folder, backend), ()
