"""The HTML report: one self-contained file a board member can open or print.

``write_html`` renders ``templates/report.html.j2`` (Jinja2, autoescaped) with the charts
of :mod:`wholepop.report.charts` inlined as SVG. The file has no ``<script>``, no web
font, no image or stylesheet link: it fetches nothing from any network, and prints to
PDF with a page break before each major section.

Disclosure: every count of people or events is rendered through the ``count`` or
``total`` template filters, which apply the report's
:class:`~wholepop.report.disclosure.Disclosure`. Such cells carry ``class="count"`` so a
test (or an auditor) can find and check every one of them. Money is shown exactly, in
pounds and pence, from integer pence.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from wholepop.money.pence import pounds, to_pence
from wholepop.report import charts
from wholepop.report.data import ReportData
from wholepop.report.disclosure import Disclosure
from wholepop.report.files import honour_umask
from wholepop.vocab import Sex

__all__ = ["render_html", "write_html"]

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("wholepop.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _thousands(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() else text


def _pct(share: Decimal | str) -> str:
    # a share for display to one decimal place of a per cent; not money
    return f"{Decimal(share) * 100:.1f}%"


_env.filters.update(money=lambda pence: charts.money_text(pence), pct=_pct, pounds=lambda d: charts.money_text(to_pence(d * 100)))


def _context(data: ReportData) -> dict[str, object]:
    disclosure = Disclosure(restricted=data.restricted)

    def count(n: int) -> Markup:
        return Markup('<span class="count">{}</span>').format(_thousands(disclosure.count(n)))

    def total(values: Iterable[int]) -> Markup:
        return Markup('<span class="count">{}</span>').format(_thousands(disclosure.total(values)))

    st = data.statement
    weighted = data.weighted_population
    budget_per_head = None
    if st is not None and st.budget is not None and weighted > 0:
        budget_per_head = pounds(to_pence(Decimal(st.budget.total_pence) / weighted))
    unknown_sex = [r for r in data.pyramid if r.sex == Sex.UNKNOWN]
    by_band: dict[str, dict[str, int]] = {}
    for r in data.pyramid:
        by_band.setdefault(r.age_band, {})[r.sex.value] = r.people
    segment_spend = sum(s.spend_pence for s in data.segments)
    svg = lambda s: Markup(s)  # noqa: E731  (vl-convert escapes every text it draws: checked in tests)
    return {
        "d": data,
        "disclosure": disclosure,
        "count": count,
        "total": total,
        "statement": st,
        "weighted": weighted,
        "budget_per_head": budget_per_head,
        "by_band": by_band,
        # people = person-months / 12, kept exact (Decimal) until disclosed
        "hub_people": [(h, Decimal(h.person_months) / 12) for h in data.hubs],
        "unknown_sex": unknown_sex,
        "segment_spend": segment_spend,
        "segment_share": {
            s.segment: Decimal(s.spend_pence) / Decimal(segment_spend) if segment_spend else Decimal(0) for s in data.segments
        },
        "Sex": Sex,
        "charts": {
            "pyramid": svg(charts.pyramid_svg(data.pyramid, disclosure)),
            "lorenz": svg(charts.lorenz_svg(data.lorenz)) if data.lorenz else None,
            "services": svg(charts.services_svg(data.services, data.year, data.contract.baseline_year)),
            "waterfalls": {s.year: svg(charts.waterfall_svg(s)) for s in data.statements},
            "acute": svg(charts.acute_svg(data.statements))
            if any(s.risk_share is not None for s in data.statements)
            else None,
            "fan": svg(charts.fan_svg(data.projection.years)) if data.projection and data.projection.years else None,
            "cumulative": svg(charts.cumulative_svg(data.projection.years, data.projection.headlines.get("reserves_pence")))
            if data.projection and data.projection.years and data.projection.headlines
            else None,
            "tornado": svg(charts.tornado_svg(data.projection.sensitivity, data.projection.provider_base_pence))
            if data.projection and data.projection.sensitivity
            else None,
            "metrics": svg(charts.metrics_svg(data.statements))
            if any(m.value is not None for s in data.statements for m in s.performance.metrics)
            else None,
        },
    }


def render_html(data: ReportData) -> str:
    """The report as one HTML document (text)."""
    return _env.get_template("report.html.j2").render(**_context(data))


def write_html(data: ReportData, out: Path) -> Path:
    """Write the self-contained HTML report of ``data`` to ``out``.

    The file is written to a temporary name beside ``out`` and renamed, so a failure
    leaves no half-written report.

    Args:
        data: the frozen report value.
        out: the file to write (``.html``).

    Returns:
        ``out``.
    """
    out = Path(out)
    text = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        honour_umask(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
