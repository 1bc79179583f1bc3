"""Comparing contract forms: one population and scenario, each form's preset, side by side.

Each form's preset is put on the same calendar (start year, baseline year, term) as a
reference contract, projected deterministically, then run through Monte Carlo with the
same seed, so every form meets the same draws (common random numbers): differences
between rows come from the contract rules alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from wholepop.contract import parse_contract
from wholepop.contract.model import Contract
from wholepop.contract.presets import preset_text
from wholepop.errors import UserError
from wholepop.money.pence import D, to_pence
from wholepop.projection.base import ProjectionBase
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.scenario import Scenario
from wholepop.vocab import Form

__all__ = ["COMPARABLE_FORMS", "FormResult", "compare_forms", "form_contract"]

COMPARABLE_FORMS: tuple[Form, ...] = (Form.VIRTUAL, Form.PARTIAL, Form.FULL, Form.PACS)


@dataclass(frozen=True)
class FormResult:
    """One form's row (pence summed over the projected years).

    Attributes:
        form: the contract form.
        provider_expected_pence: mean over runs of the provider's total position.
        provider_p10_pence: its 10th percentile.
        p_loss_cap: share of runs where the provider's loss hits its cap in any year.
        commissioner_expected_pence: mean over runs of the commissioner's total position.
        provider_deterministic_pence: the deterministic projection's total, for reference.
    """

    form: Form
    provider_expected_pence: int
    provider_p10_pence: int
    p_loss_cap: float
    commissioner_expected_pence: int
    provider_deterministic_pence: int


def form_contract(form: Form | str, calendar: Contract) -> Contract:
    """The preset of ``form`` on ``calendar``'s start year, baseline year and term."""
    form = Form(form)
    if form not in COMPARABLE_FORMS:
        raise UserError(f"--forms: {form.value!r} cannot be compared; expected some of {', '.join(f.value for f in COMPARABLE_FORMS)}")
    preset = parse_contract(preset_text(form), source=f"{form.value} preset")
    c = calendar.contract
    terms = preset.contract.model_copy(
        update={"start_year": c.start_year, "baseline_year": c.baseline_year, "term_years": c.term_years}
    )
    return preset.model_copy(update={"contract": terms})


def compare_forms(
    base: ProjectionBase,
    forms: Iterable[Form | str],
    calendar: Contract,
    scenario: Scenario,
    runs: int,
    seed: int = 0,
    progress: Callable[[Form, int, int], None] | None = None,
) -> tuple[FormResult, ...]:
    """Project ``base`` under each form's preset and summarise the provider's and commissioner's risk."""
    rows = []
    for form in forms:  # a handful of forms
        form = Form(form)
        projection = project(base, form_contract(form, calendar), scenario)
        mc = simulate(projection, runs, seed, None if progress is None else (lambda d, n, f=form: progress(f, d, n)))
        det = sum(y.provider_position_pence for y in projection.years)
        if runs:
            provider = mc.cumulative("provider")
            commissioner = mc.cumulative("commissioner")
            expected, p10 = float(provider.mean()), float(np.percentile(provider, 10))
            comm = float(commissioner.mean())
        else:
            expected = p10 = float(det)
            comm = float(sum(y.commissioner_position_pence for y in projection.years))
        rows.append(
            FormResult(
                form=form,
                provider_expected_pence=to_pence(D(expected)),
                provider_p10_pence=to_pence(D(p10)),
                p_loss_cap=mc.p_loss_cap,
                commissioner_expected_pence=to_pence(D(comm)),
                provider_deterministic_pence=det,
            )
        )
    return tuple(rows)
