"""The projection stage: the contract term ahead, deterministic and Monte Carlo.

Public surface: ``project`` (the deterministic projection of one contract under one
scenario, settled year by year by the money stage's own rules; years with data settled
from their own facts), ``simulate`` (Monte Carlo runs of it), ``headlines`` (the board's
figures), ``sensitivity`` (what moves the result), ``compare_forms`` (the same
population under each form's preset),
``projection_base`` / ``base_from_run`` (the baseline reduced to cells by Ibis) and the
scenario file (``load_scenario``, ``default_scenario_text``). See docs/projection.md.
"""

from wholepop.projection.base import ProjectionBase, base_from_run, projection_base
from wholepop.projection.compare import FormResult, compare_forms
from wholepop.projection.deterministic import ProjectedYear, Projection, project
from wholepop.projection.montecarlo import MonteCarlo, simulate
from wholepop.projection.scenario import Scenario, default_scenario, default_scenario_text, load_scenario, parse_scenario
from wholepop.projection.sensitivity import Sensitivity, sensitivity
from wholepop.projection.summary import headlines

__all__ = [
    "FormResult",
    "MonteCarlo",
    "ProjectedYear",
    "Projection",
    "ProjectionBase",
    "Scenario",
    "Sensitivity",
    "base_from_run",
    "compare_forms",
    "default_scenario",
    "default_scenario_text",
    "headlines",
    "load_scenario",
    "parse_scenario",
    "project",
    "projection_base",
    "sensitivity",
    "simulate",
]
