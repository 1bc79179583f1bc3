"""In-year monitoring: a forecast outturn from part-year facts (issue 16.1).

A year with months 1..k in hand (``wholepop.inputs.coverage``) cannot be settled, but a
finance team still wants to know where it is heading. The forecast fills in the unseen
months from the baseline's own month-by-month profile, per service line:

    forecast spend(s)  = observed spend(s)  / share of the baseline's spend on s in months 1..k
    forecast events(s) = observed events(s) / share of the baseline's rows  of s in months 1..k

The population needs no forecast: person-months are counted from the registrations as
they stand, which already run to the end of the year. A missing measure is refused as in
a settlement (the input checks require it for every year the activity reaches). A line
with no baseline activity in the observed months cannot be scaled: its forecast is the
baseline year's own figure, and the basis says so.

The result is ``MoneyFacts`` for the money rules to settle as usual; the statement is
then marked a forecast (``mark``): it is never a settlement, and never enters the
settlement chain of the ledger.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from wholepop.inputs.coverage import Coverage, months_text
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, to_pence
from wholepop.money.statement import Section, Statement, StatementLine
from wholepop.numbers import significant

__all__ = ["Forecast", "forecast_facts", "mark"]


@dataclass(frozen=True)
class Forecast:
    """How a forecast was made.

    Attributes:
        year: the contract year forecast.
        observed: months 1..observed were in hand.
        spend_share: service -> the baseline's share of its spend in those months.
        rows_share: service -> the baseline's share of its rows in those months.
        unscaled: services with no baseline activity in those months (baseline figure used).
        set_aside: activity rows of the year after those months, left out (a month cut
            short by the extract, or rows beyond a gap).
    """

    year: int
    observed: int
    spend_share: tuple[tuple[str, Decimal], ...]
    rows_share: tuple[tuple[str, Decimal], ...]
    unscaled: tuple[str, ...] = ()
    set_aside: int = 0

    def basis(self) -> str:
        months = tuple(range(1, self.observed + 1))
        shares = "; ".join(f"{s} {significant(v)}" for s, v in self.spend_share)
        text = (
            f"FORECAST, not a settlement: {months_text(self.year, months)} observed; "
            f"{months_text(self.year, tuple(range(self.observed + 1, 13)))} forecast from the baseline's "
            "month-by-month profile: per service line, observed spend and counts / the baseline's share of its "
            "spend and counts in the observed months; population = registrations as they stand. "
            f"Baseline spend shares: {shares or 'none'}"
        )
        if self.set_aside:
            text += (f". {self.set_aside:,} activity rows after month {self.observed} were set aside "
                     "(a month not wholly in hand is forecast, not counted)")
        if self.unscaled:
            text += f". No baseline activity in the observed months (baseline year's figure used): {', '.join(self.unscaled)}"
        return text


def _shares(by_month: dict, base: int, observed: int) -> dict[str, tuple[int, int]]:
    """service -> (baseline total in months 1..observed, baseline total in the year)."""
    out: dict[str, list[int]] = {}
    for (y, m, s), v in by_month.items():
        if y != base:
            continue
        acc = out.setdefault(s, [0, 0])
        acc[1] += v
        if m <= observed:
            acc[0] += v
    return {s: (a, b) for s, (a, b) in out.items()}


def forecast_facts(
    facts: MoneyFacts, cov: Coverage, year: int, baseline_year: int, observed: int, set_aside: int = 0
) -> tuple[MoneyFacts, Forecast]:
    """``facts`` with ``year``'s spend and counts forecast to the full year from months
    1..``observed`` (see the module docstring). ``facts`` must hold only the activity of
    those months; ``set_aside`` (rows left out after them) is named in the basis."""
    if not 1 <= observed <= 12:
        raise ValueError(f"observed months must be 1-12, got {observed}")
    spend_part = _shares(dict(cov.spend), baseline_year, observed)
    rows_part = _shares(dict(cov.rows), baseline_year, observed)
    unscaled = sorted(s for s, (part, whole) in spend_part.items() if whole and not part)

    def factor(parts: dict[str, tuple[int, int]], service: str) -> Decimal | None:
        part, whole = parts.get(service, (0, 0))
        if not whole:
            return ONE  # no baseline activity at all: nothing to scale by; observed stands
        if not part:
            return None
        return Decimal(whole) / Decimal(part)

    spend = {}
    for (y, s, i), v in facts.spend.items():
        if y != year:
            spend[(y, s, i)] = v
            continue
        f = factor(spend_part, s)
        spend[(y, s, i)] = facts.spend.get((baseline_year, s, i), 0) if f is None else to_pence(Decimal(v) * f)
    for (y, s, i), v in facts.spend.items():  # lines seen in the baseline, none yet this year
        if y == baseline_year and s in unscaled and (year, s, i) not in spend:
            spend[(year, s, i)] = v
    events: dict = {}
    for (y, s), v in facts.events.items():
        if y != year:
            events[(y, s)] = v
            continue
        f = factor(rows_part, s)
        events[(y, s)] = Decimal(facts.events.get((baseline_year, s), 0)) if f is None else Decimal(v) * f
    cells: dict = {}
    for (y, s, band, sex), v in facts.age_sex_events.items():
        if y != year:
            cells[(y, s, band, sex)] = v
            continue
        f = factor(rows_part, s)
        cells[(y, s, band, sex)] = Decimal(v) * (ONE if f is None else f)
    out = dataclasses.replace(facts, spend=spend, events=events, age_sex_events=cells)
    share = lambda parts: tuple(  # noqa: E731
        (s, Decimal(a) / Decimal(b)) for s, (a, b) in sorted(parts.items()) if b
    )
    return out, Forecast(year, observed, share(spend_part), share(rows_part), tuple(unscaled), set_aside)


def mark(statement: Statement, forecast: Forecast) -> Statement:
    """The statement marked a forecast: a memo line first carrying the method and the
    months observed, and ``extra["kind"] = "forecast"`` for machines."""
    note = StatementLine(Section.MEMO, f"forecast outturn: months 1-{forecast.observed} observed (memo)", 0,
                         forecast.basis(), payable=False)
    extra = {
        **statement.extra,
        "kind": "forecast",
        "forecast": {
            "months_observed": forecast.observed,
            "method": "observed / baseline share of the observed months, per service line",
            "spend_share": {s: str(v) for s, v in forecast.spend_share},
            "rows_share": {s: str(v) for s, v in forecast.rows_share},
            "unscaled": list(forecast.unscaled),
            "rows_set_aside": forecast.set_aside,
        },
    }
    return dataclasses.replace(statement, lines=(note, *statement.lines), extra=extra)
