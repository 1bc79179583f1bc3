"""Charts of the report: Altair specifications rendered offline to inline SVG.

Each public function takes plain values from :class:`~wholepop.report.data.ReportData`
and returns one ``<svg>`` element as text. Rendering is done by ``vl-convert`` in process
(its bundled Vega, no browser, no network), so the HTML needs no script at all.

Counts of people go through the report's :class:`~wholepop.report.disclosure.Disclosure`
before they are plotted: a bar's length would otherwise reveal a suppressed value.
Money is exact ``Decimal`` pounds until the chart is drawn; the plotted position is a
float (Vega's number), which is display only and never fed back into any sum.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from decimal import Decimal

import altair as alt
import vl_convert

from wholepop.money.pence import pounds
from wholepop.money.statement import Statement
from wholepop.numbers import gbp
from wholepop.report.data import LorenzPoint, PyramidRow, ServiceRow
from wholepop.report.disclosure import Disclosure
from wholepop.vocab import Sex

__all__ = [
    "acute_svg",
    "compare_svg",
    "cumulative_svg",
    "fan_svg",
    "lorenz_svg",
    "metrics_svg",
    "money_text",
    "pyramid_svg",
    "services_svg",
    "tornado_svg",
    "waterfall_svg",
    "waterfall_steps",
]

# Colour-blind safe pairs (Okabe-Ito): gain, loss, total/neutral, highlight.
UP = "#009E73"
DOWN = "#D55E00"
TOTAL = "#0072B2"
MUTED = "#999999"
FONT = "DejaVu Sans, Verdana, Geneva, sans-serif"  # wide faces: the SVG is laid out with the first, so a narrower fallback never clips
WIDTH = 560


def money_text(pence: int) -> str:
    """Pence as exact pounds for a label: ``-£1,234.50`` (no rounding), as everywhere."""
    return gbp(pence)


def _plot_pounds(pence: int) -> float:
    # the one float conversion of money in the report: a plotted position
    return float(pounds(pence))


def _svg(chart: alt.TopLevelMixin, title: str) -> str:
    """Render to SVG, with element ids made unique so several charts share one page."""
    spec = (
        chart.configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelLimit=320, labelFontSize=11, titleFontSize=11)
        .to_dict()
    )
    # no base URL is allowed: a spec can never fetch data, even by mistake
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    # vl-convert numbers clip ids per process (clip1, clip3, ...): renumber them per chart,
    # then prefix a content hash, so ids are unique on the page and the same report always
    # gives the same bytes
    ids = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    local = {old: f"i{k}" for k, old in enumerate(ids)}
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{local[m.group(1)]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{local.get(m.group(1), m.group(1))})", svg)
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    # an accessible name for screen readers and for the browser test to find the chart
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)


def pyramid_svg(rows: Sequence[PyramidRow], disclosure: Disclosure) -> str:
    """Age-sex pyramid of registered people (disclosed counts); women left, men right."""
    bands = list(dict.fromkeys(r.age_band for r in rows))
    values = [
        {
            "age_band": r.age_band,
            "sex": "Female" if r.sex == Sex.FEMALE else "Male",
            "people": disclosure.value(r.people) * (-1 if r.sex == Sex.FEMALE else 1),
        }
        for r in rows
        if r.sex in (Sex.FEMALE, Sex.MALE)
    ]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("age_band:N", sort=list(reversed(bands)), title="age band"),
            x=alt.X("people:Q", title="people (women left, men right)", axis=alt.Axis(labelExpr="format(abs(datum.value), ',d')")),
            color=alt.Color("sex:N", scale=alt.Scale(domain=["Female", "Male"], range=[DOWN, TOTAL]), legend=alt.Legend(orient="top", title=None)),
        )
        .properties(width=WIDTH, height=340)
    )
    return _svg(chart, "Age-sex pyramid")


def lorenz_svg(points: Sequence[LorenzPoint]) -> str:
    """Cost-concentration curve: share of spend against share of people, costliest first."""
    values = [{"people": float(p.population_share), "spend": float(p.spend_share)} for p in points]
    diagonal = [{"people": 0.0, "spend": 0.0}, {"people": 1.0, "spend": 1.0}]
    x = alt.X("people:Q", title="share of people (costliest first)", axis=alt.Axis(format="%", tickCount=5))
    y = alt.Y("spend:Q", title="share of spend", axis=alt.Axis(format="%"))
    curve = alt.Chart(alt.Data(values=values)).mark_line(point=True, color=TOTAL).encode(x=x, y=y)
    equal = alt.Chart(alt.Data(values=diagonal)).mark_line(strokeDash=[4, 4], color=MUTED).encode(x=x, y=y)
    return _svg((equal + curve).properties(width=360, height=300), "Cost-concentration curve")


def services_svg(rows: Sequence[ServiceRow], year: int, baseline_year: int) -> str:
    """Spend per weighted head by service line, the report year beside the baseline."""
    values = []
    for r in rows:
        values.append({"service": r.service.value, "year": str(baseline_year), "pounds": _plot_pounds(r.baseline_spend_per_head_pence)})
        values.append({"service": r.service.value, "year": str(year), "pounds": _plot_pounds(r.spend_per_head_pence)})
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("service:N", title=None, sort=[r.service.value for r in rows]),
            yOffset=alt.YOffset("year:N"),
            x=alt.X("pounds:Q", title="£ per weighted head", axis=alt.Axis(format=",.0f")),
            color=alt.Color("year:N", scale=alt.Scale(range=[MUTED, TOTAL]), legend=alt.Legend(orient="top", title=None)),
        )
        .properties(width=WIDTH, height=alt.Step(9))
    )
    return _svg(chart, "Spend per head by service line")


def waterfall_steps(statement: Statement) -> list[dict[str, object]]:
    """The budget-to-total walk of a statement: one step per payable line, then the total.

    Payable lines with the same section and item are merged; memo lines (targets, the
    contingency, a ``total`` line) are not steps. Returns rows with ``step``, ``start`` and
    ``end`` in pence (exact ints), ``kind`` (``increase``/``decrease``/``total``) and ``label``.
    """
    merged: dict[tuple[str, str], int] = {}
    for line in statement.lines:
        if line.payable:
            key = (line.section, line.item)
            merged[key] = merged.get(key, 0) + line.amount_pence
    steps, running = [], 0
    for (_, item), amount in merged.items():
        steps.append({"step": item, "start": running, "end": running + amount,
                      "kind": "increase" if amount >= 0 else "decrease", "label": money_text(amount)})
        running += amount
    steps.append({"step": "Total payable", "start": 0, "end": running, "kind": "total",
                  "label": money_text(statement.total_payable_pence)})
    return steps


def _waterfall_domain(steps: list[dict[str, object]]) -> tuple[int, int]:
    """The x range in pence: from zero, or zoomed when the adjustments are tiny beside the budget.

    A budget of £180m with adjustments of £1m would draw the adjustments as hairlines; when
    every running level is more than four times the largest adjustment, the axis starts at
    the lowest level less twice that adjustment (the chart says so in its title).
    """
    levels = [int(x["end"]) for x in steps] + [int(x["start"]) for x in steps[1:-1]]
    adjustments = [abs(int(x["end"]) - int(x["start"])) for x in steps[1:-1]]
    low, high = min(0, *levels), max(0, *levels)
    if adjustments and min(levels) > 0 and max(adjustments) > 0 and 4 * max(adjustments) < min(levels):
        low = max(0, min(levels) - 2 * max(adjustments))
    return low, high


def waterfall_svg(statement: Statement) -> str:
    """Budget-to-total waterfall of one settled year (horizontal: long labels stay readable)."""
    steps = waterfall_steps(statement)
    values = [
        {**s, "start": _plot_pounds(s["start"]), "end": _plot_pounds(s["end"]), "order": i}
        for i, s in enumerate(steps)
    ]
    order = [s["step"] for s in steps]
    lo, hi = _waterfall_domain(steps)
    # room on the right for the amount labels, which are the point of the chart
    domain = [_plot_pounds(lo), _plot_pounds(hi + (hi - lo) * 45 // 100)]
    title = alt.TitleParams(
        f"axis starts at {money_text(lo)}, not zero, so the adjustments can be seen" if lo > 0 else "",
        fontSize=10, fontWeight="normal", color=MUTED, anchor="start",
    )
    base = alt.Chart(alt.Data(values=values)).encode(y=alt.Y("step:N", sort=order, title=None))
    bars = base.mark_bar(clip=True).encode(
        x=alt.X("start:Q", title="£", axis=alt.Axis(format="~s", tickCount=6), scale=alt.Scale(domain=domain, nice=False)),
        x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=["increase", "decrease", "total"], range=[UP, DOWN, TOTAL]), legend=None),
    )
    labels = base.mark_text(align="left", dx=4, fontSize=10).encode(
        x=alt.X("right:Q"), text="label:N"
    ).transform_calculate(right="max(datum.start, datum.end)")
    chart = (bars + labels).properties(width=WIDTH - 140, height=alt.Step(26), title=title)
    return _svg(chart, f"Statement {statement.year} waterfall")


def acute_svg(statements: Sequence[Statement]) -> str:
    """Acute spend against the risk-share target, one pair of bars per settled year."""
    values = []
    for s in statements:
        if s.risk_share is None:
            continue
        values.append({"year": str(s.year), "what": "target", "pounds": _plot_pounds(s.risk_share.target_pence)})
        values.append({"year": str(s.year), "what": "actual", "pounds": _plot_pounds(s.risk_share.actual_pence)})
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("year:N", title="contract year", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("what:N", sort=["target", "actual"]),
            y=alt.Y("pounds:Q", title="£ acute spend", axis=alt.Axis(format="~s")),
            color=alt.Color("what:N", sort=["target", "actual"], scale=alt.Scale(range=[MUTED, DOWN]), legend=alt.Legend(orient="top", title=None)),
        )
        .properties(width=alt.Step(40), height=260)
    )
    return _svg(chart, "Acute spend against target")


def metrics_svg(statements: Sequence[Statement]) -> str:
    """Each metric's value on its own threshold scale: 0 = lower threshold, 1 = upper.

    Metrics have different units and directions, so each is placed at
    ``(value - lower) / (upper - lower)`` (unclipped; achievement is this clipped to [0, 1]).
    """
    values = []
    for s in statements:
        for m in s.performance.metrics:
            if m.value is None:
                continue
            lower, upper = Decimal(m.lower), Decimal(m.upper)
            position = (Decimal(m.value) - lower) / (upper - lower) if upper != lower else Decimal(0)
            values.append({"metric": m.id, "year": str(s.year), "position": float(position)})
    ids = list(dict.fromkeys(v["metric"] for v in values))
    thresholds = [{"at": 0.0, "label": "lower threshold"}, {"at": 1.0, "label": "upper threshold"}]
    y = alt.Y("metric:N", sort=ids, title=None)
    band = alt.Chart(alt.Data(values=thresholds)).mark_rule(strokeDash=[4, 3], color=MUTED).encode(x="at:Q")
    points = (
        alt.Chart(alt.Data(values=values))
        .mark_point(filled=True, size=90)
        .encode(
            y=y,
            x=alt.X("position:Q", title="achievement scale (0 = lower threshold, 1 = upper)", scale=alt.Scale(domainMin=-0.25, domainMax=1.25, clamp=True)),
            color=alt.Color("year:N", scale=alt.Scale(range=[MUTED, TOTAL]), legend=alt.Legend(orient="top", title=None)),
            shape=alt.Shape("year:N", legend=None),
        )
    )
    return _svg((band + points).properties(width=WIDTH - 160, height=alt.Step(28)), "Performance metrics against thresholds")


def fan_svg(years) -> str:
    """The provider's projected position per year: the 10th-90th percentile band and the median."""
    values = [
        {"year": str(y.year), "p10": _plot_pounds(y.provider_p10_pence), "p50": _plot_pounds(y.provider_p50_pence),
         "p90": _plot_pounds(y.provider_p90_pence)}
        for y in years
    ]
    angle = 0 if len(values) <= 8 else -45  # a 15-year term's labels would overlap
    base = alt.Chart(alt.Data(values=values)).encode(x=alt.X("year:O", title="contract year", axis=alt.Axis(labelAngle=angle)))
    band = base.mark_area(opacity=0.3, color=MUTED).encode(
        y=alt.Y("p10:Q", title="£ provider position (+ surplus, - deficit)", axis=alt.Axis(format="~s")), y2="p90:Q"
    )
    line = base.mark_line(point=True, color=DOWN).encode(y="p50:Q")
    zero = alt.Chart(alt.Data(values=[{"z": 0}])).mark_rule(color="#444", strokeDash=[4, 3]).encode(y="z:Q")
    chart = (band + line + zero).properties(width=WIDTH - 160, height=280)
    return _svg(chart, "Projected provider position")


def cumulative_svg(years, reserves_pence: int | None = None) -> str:
    """The provider's cumulative position over the term: 10th-90th percentile band, median, and -reserves."""
    values = [
        {"year": str(y.year), "p10": _plot_pounds(y.cumulative_p10_pence), "p50": _plot_pounds(y.cumulative_p50_pence),
         "p90": _plot_pounds(y.cumulative_p90_pence), "kind": "settled" if y.settled else "projected"}
        for y in years
    ]
    base = alt.Chart(alt.Data(values=values)).encode(x=alt.X("year:O", title="contract year", axis=alt.Axis(labelAngle=-45)))
    band = base.mark_area(opacity=0.3, color=MUTED).encode(
        y=alt.Y("p10:Q", title="£ cumulative provider position", axis=alt.Axis(format="~s")), y2="p90:Q"
    )
    line = base.mark_line(color=DOWN).encode(y="p50:Q")
    points = base.mark_point(filled=True, size=50).encode(
        y="p50:Q",
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=["settled", "projected"], range=["square", "circle"]),
                        legend=alt.Legend(orient="top", title=None)),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["settled", "projected"], range=[TOTAL, DOWN]), legend=None),
    )
    layers = [band, line, points, alt.Chart(alt.Data(values=[{"z": 0}])).mark_rule(color="#444", strokeDash=[4, 3]).encode(y="z:Q")]
    if reserves_pence is not None:
        r = [{"r": -_plot_pounds(reserves_pence), "label": "reserves exhausted"}]
        layers.append(alt.Chart(alt.Data(values=r)).mark_rule(color=DOWN, strokeDash=[2, 2]).encode(y="r:Q"))
        layers.append(alt.Chart(alt.Data(values=r)).mark_text(align="right", dy=12, color=DOWN, font=FONT)
                      .encode(y="r:Q", text="label:N", x=alt.value(WIDTH - 160)))
    chart = alt.layer(*layers).properties(width=WIDTH - 160, height=280)
    return _svg(chart, "Provider's cumulative position over the term")


def tornado_svg(rows, provider_base_pence: int) -> str:
    """What moves the result: each assumption's low and high move of the provider's position over the term."""
    values = []
    order = [r.name for r in rows]
    for r in rows:
        values.append({"name": r.name, "side": f"low ({r.low})", "move": "low",
                       "from": 0.0, "to": _plot_pounds(r.provider_low_pence - provider_base_pence)})
        values.append({"name": r.name, "side": f"high ({r.high})", "move": "high",
                       "from": 0.0, "to": _plot_pounds(r.provider_high_pence - provider_base_pence)})
    bars = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=order, title=None),
            x=alt.X("from:Q", title="£ change in the provider's position over the term", axis=alt.Axis(format="~s")),
            x2="to:Q",
            color=alt.Color("move:N", scale=alt.Scale(domain=["low", "high"], range=[MUTED, TOTAL]),
                            legend=alt.Legend(orient="top", title="assumption moved")),
            tooltip=["name:N", "side:N"],
        )
    )
    zero = alt.Chart(alt.Data(values=[{"z": 0}])).mark_rule(color="#444").encode(x="z:Q")
    return _svg((bars + zero).properties(width=WIDTH - 200, height=alt.Step(22)), "What moves the provider's result")


def compare_svg(rows) -> str:
    """Contract forms compared: the provider's expected position and its 10th percentile, and the commissioner's."""
    values = []
    for r in rows:
        values.append({"form": r.form.value, "what": "provider expected", "pounds": _plot_pounds(r.provider_expected_pence)})
        values.append({"form": r.form.value, "what": "provider P10", "pounds": _plot_pounds(r.provider_p10_pence)})
        values.append({"form": r.form.value, "what": "commissioner expected", "pounds": _plot_pounds(r.commissioner_expected_pence)})
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("form:N", sort=[r.form.value for r in rows], title=None),
            yOffset=alt.YOffset("what:N", sort=["provider expected", "provider P10", "commissioner expected"]),
            x=alt.X("pounds:Q", title="£ over the term", axis=alt.Axis(format="~s")),
            color=alt.Color("what:N", scale=alt.Scale(domain=["provider expected", "provider P10", "commissioner expected"],
                                                      range=[TOTAL, DOWN, MUTED]), legend=alt.Legend(orient="top", title=None)),
        )
    )
    zero = alt.Chart(alt.Data(values=[{"z": 0}])).mark_rule(color="#444").encode(x="z:Q")
    return _svg((chart + zero).properties(width=WIDTH - 160, height=alt.Step(14)), "Contract forms compared")
