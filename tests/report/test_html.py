"""The HTML report: self-contained, every count disclosed, every section and chart present.

The report is rendered once per module (published and restricted) from the fixture,
which holds small and unrounded counts; the scans below would find them if any count
bypassed disclosure control, and the restricted render proves the scans can see them.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest

from wholepop.report.charts import waterfall_steps
from wholepop.report.disclosure import RESTRICTED_STAMP, disclose, disclose_total, is_disclosed
from wholepop.report.html import write_html

from .fixtures import SMALL_COUNT, UNATTRIBUTED_ROWS, VERY_HIGH_NEEDS_PEOPLE, report_data, statement

COUNT = re.compile(r'<span class="count">([^<]*)</span>')
SECTIONS = ("glance", "population", "segments", "services", "statements", "acute", "performance", "quality", "basis")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> str:
    out = write_html(report_data(), tmp_path_factory.mktemp("html") / "report.html")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def restricted(tmp_path_factory) -> str:
    out = write_html(report_data(restricted=True), tmp_path_factory.mktemp("html") / "restricted.html")
    return out.read_text(encoding="utf-8")


def _outside_svg_xmlns(html: str) -> list[str]:
    """Every http(s) URL in the file except the SVG namespace declarations."""
    stripped = re.sub(r'\sxmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", html)
    return re.findall(r"https?://[^\s\"'<>)]*", stripped)


def test_nothing_is_fetched_from_any_network(published):
    assert _outside_svg_xmlns(published) == []
    assert "<script" not in published.lower()
    assert "<link" not in published.lower()
    assert "@import" not in published
    assert "<img" not in published.lower()
    # the only url() references are to ids inside the inline SVGs
    assert set(re.findall(r"url\(([^)]*)\)", published)) <= set(re.findall(r"url\((#[^)]*)\)", published))


def test_every_count_in_the_published_report_is_disclosed(published):
    counts = COUNT.findall(published)
    assert len(counts) > 60  # hubs, pyramid (3 sexes x 19 bands + totals), segments, quality
    assert [c for c in counts if not is_disclosed(c)] == []


def test_the_scan_would_catch_an_undisclosed_count(restricted):
    """Restricted mode shows exact counts: the same scan finds the small and unrounded ones."""
    bad = {c for c in COUNT.findall(restricted) if not is_disclosed(c)}
    assert {str(SMALL_COUNT), str(UNATTRIBUTED_ROWS), f"{VERY_HIGH_NEEDS_PEOPLE:,}"} <= bad


def test_small_and_unrounded_counts_are_shown_disclosed(published):
    counts = COUNT.findall(published)
    assert "1,235" in counts  # very high needs: 1,237 people
    assert f"{VERY_HIGH_NEEDS_PEOPLE:,}" not in counts
    quality = published[published.index('id="quality"'):]
    assert COUNT.search(quality).group(1) == "*"  # 6 unattributed rows


def test_population_total_is_rounded_from_the_unrounded_people(published):
    people = [r.people for r in report_data().pyramid]
    glance = published[published.index('id="glance"'):published.index('id="population"')]
    expected = f"{int(disclose_total(people)):,}"
    assert f'People registered during 2028</dt><dd><span class="count">{expected}</span>' in glance
    # and it is not the sum of the rounded parts
    assert sum(int(disclose(p)) for p in people if disclose(p) != "*") != int(disclose_total(people))


def test_each_population_figure_is_named_for_its_purpose_and_explained_once(published):
    """Issue 16.6: people registered during the year, the average registered list
    (person-months / 12) and the weighted population, each named the same way everywhere."""
    assert published.count('id="population-figures"') == 1
    glance = published[published.index('id="glance"'):published.index('id="population"')]
    for name in ("People registered during 2028", "Average registered list 2028", "Weighted population 2028"):
        assert f"<dt>{name}</dt>" in glance
    assert "Registered people" not in published


def test_restricted_report_is_stamped_and_published_is_not(published, restricted):
    assert RESTRICTED_STAMP not in published
    assert f'<div class="stamp" role="note">{RESTRICTED_STAMP}</div>' in restricted
    # position: fixed repeats the stamp on every printed page
    assert re.search(r"\.stamp \{ position: fixed;", restricted)


def test_every_section_is_present(published):
    assert re.findall(r'<section id="([a-z]+)"', published) == list(SECTIONS)


def test_one_chart_per_figure_and_a_waterfall_per_settled_year(published):
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', published)
    assert labels == [
        "Age-sex pyramid",
        "Cost-concentration curve",
        "Spend per head by service line",
        "Statement 2027 waterfall",
        "Statement 2028 waterfall",
        "Acute spend against target",
        "Performance metrics against thresholds",
    ]


def test_statement_totals_and_bases_are_shown(published):
    for year in (2027, 2028):
        s = statement(year)
        pounds_text = f"£{Decimal(s.total_payable_pence) / 100:,.2f}"
        assert published.count(pounds_text) >= 2  # the statement table and the waterfall label
    assert "withhold 943060219 x weighted achievement 0.6025" in published


def test_waterfall_walks_from_budget_to_total_payable():
    s = statement(2028)
    steps = waterfall_steps(s)
    assert [x["step"] for x in steps] == [
        "Whole-population budget",
        "Performance withhold",
        "Performance payment earned",
        "Provider share of acute variance",
        "Deficit transfer",
        "Total payable",
    ]
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(steps[:-1]))
    assert steps[-2]["end"] == steps[-1]["end"] == s.total_payable_pence
    assert steps[1]["kind"] == "decrease" and steps[0]["kind"] == "increase"


def test_same_data_gives_the_same_bytes(tmp_path, published):
    again = write_html(report_data(), tmp_path / "again.html").read_text(encoding="utf-8")
    assert again == published


def test_element_ids_are_unique_across_the_inline_charts(published):
    ids = re.findall(r'\bid="([^"]+)"', published)
    assert len(ids) == len(set(ids))
    clip_refs = set(re.findall(r"url\(#([^)]+)\)", published))
    assert clip_refs and clip_refs <= set(ids)  # every clip path a chart uses is on the page


def test_waterfall_axis_is_zoomed_only_when_adjustments_are_tiny():
    """A £188m budget with £9m adjustments starts the axis near the lowest level, and says so."""
    from wholepop.report.charts import _waterfall_domain, waterfall_svg

    s = statement(2028)
    lo, hi = _waterfall_domain(waterfall_steps(s))
    withhold = 943_060_219
    lowest_level = s.budget.total_pence - withhold  # after the withhold, before the earn-back
    assert lo == lowest_level - 2 * withhold and lo > 0
    assert hi == s.budget.total_pence
    assert "not zero" in waterfall_svg(s)
    small_budget = [{"start": 0, "end": 100}, {"start": 100, "end": 40}, {"start": 0, "end": 40}]
    assert _waterfall_domain(small_budget) == (0, 100)


def test_text_from_the_data_cannot_inject_markup(tmp_path):
    """A statement item reaches both a table and a chart label; both are escaped."""
    import dataclasses

    s = statement(2028)
    lines = tuple(
        dataclasses.replace(line, item="Deficit <script>alert(1)</script> & co") if line.section == "deficit" else line
        for line in s.lines
    )
    data = dataclasses.replace(report_data(), statements=(statement(2027), dataclasses.replace(s, lines=lines)))
    html = write_html(data, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert html.count("Deficit &lt;script&gt;alert(1)&lt;/script&gt; &amp; co") >= 3  # waterfall, statement, basis


def test_the_headline_shows_the_providers_own_position(tmp_path):
    """Beside what the commissioner pays, the glance shows the provider's surplus or deficit
    for the year (payable - in-scope cost - deficit repayment), with its three parts."""
    from dataclasses import replace

    from wholepop.money.position import provider_position

    data = report_data()
    latest = data.statements[-1]
    # a provider whose in-scope care cost £1,000,000.00 more than it was paid, repaying £250,000.00:
    # surplus = payable - (payable + 100,000,000 p) - 25,000,000 p = -125,000,000 p = -£1,250,000.00
    position = provider_position(latest.total_payable_pence, latest.total_payable_pence + 100_000_000, 25_000_000)
    assert position.surplus_pence == -125_000_000
    data = replace(data, statements=(*data.statements[:-1], replace(latest, provider_position=position)))
    html = write_html(data, tmp_path / "report.html").read_text(encoding="utf-8")
    glance = html[html.index('id="provider-position"'):]
    glance = glance[: glance.index("</div>")]
    assert "-£1,250,000.00" in glance and "£250,000.00" in glance
