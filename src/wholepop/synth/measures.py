"""Metric values supplied from outside the data (the ``measures`` input table).

The full preset's ``patient_experience`` metric is read from here: a GP Patient Survey
style score out of 100 (England: about 75% rate their experience as good), one value per
contract year, improving slowly, with the number of responses as its denominator.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["PATIENT_EXPERIENCE", "measures_table"]

# The metric id the contract presets use for the survey score.
PATIENT_EXPERIENCE = "patient_experience"
_BASE_SCORE = 76.0
_YEARLY_GAIN = 0.8
_RESPONSE_RATE = 0.012  # survey responses per registered person


def measures_table(population: int, start_year: int, years: int, seed: int) -> pa.Table:
    """One ``patient_experience`` row per contract year, score between the thresholds."""
    rng = np.random.default_rng([seed, 6])
    score = _BASE_SCORE + _YEARLY_GAIN * np.arange(years) + rng.normal(0.0, 1.0, years)
    responses = np.maximum(np.floor(population * _RESPONSE_RATE * np.exp(rng.normal(0.0, 0.05, years))), 1.0)
    return pa.table(
        {
            "year": pa.array(np.arange(start_year, start_year + years), pa.int64()),
            "measure": pa.array([PATIENT_EXPERIENCE] * years, pa.string()),
            "value": pa.array(np.floor(np.clip(score, 71.0, 84.0) * 10) / 10, pa.float64()),
            "denominator": pa.array(responses, pa.float64()),
        }
    )
