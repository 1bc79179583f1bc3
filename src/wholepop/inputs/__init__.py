"""The input layer: declared tables, read from a folder, validated in one pass.

Public surface: ``load_inputs(folder, contract=None, engine="duckdb")`` returns the typed
``Inputs`` and every ``Problem`` found; nothing downstream runs while any is an error.
"""

from wholepop.inputs.load import Inputs, open_inputs
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.validate import load_inputs

__all__ = ["Inputs", "Problem", "Severity", "load_inputs", "open_inputs"]
