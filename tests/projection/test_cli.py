"""``wholepop init-scenario``, ``project`` and ``compare`` on a small synthetic data set."""

from __future__ import annotations

import json

import pytest

from wholepop.cli import main
from wholepop.projection.scenario import default_scenario_text


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from wholepop.synth import generate

    return generate(tmp_path_factory.mktemp("proj") / "data", population=1500, years=1, seed=5)


def _run(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


def test_init_scenario_prints_the_default(capsys):
    code, out, _ = _run(["init-scenario"], capsys)
    assert (code, out) == (0, default_scenario_text())


def test_project_writes_the_issue_json(data, tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(default_scenario_text().replace("# horizon_years = 15 ", "horizon_years = 3   "))
    out_json = tmp_path / "p.json"
    code, out, _ = _run(["project", "--data", str(data), "--contract", str(data / "contract.toml"),
                         "--scenario", str(scenario), "--runs", "300", "--seed", "4", "--json", str(out_json)], capsys)
    assert code == 0
    assert "over 300 runs (seed 4)" in out
    got = json.loads(out_json.read_text())
    assert [y["year"] for y in got["years"]] == [2027, 2028, 2029]  # the horizon, past the 1-year term
    assert {"roi", "npv_pence", "p_loss_cap", "years", "headlines"} <= set(got)
    # The data holds 2027: it is settled from data, the rest projected.
    assert [y["settled"] for y in got["years"]] == [True, False, False]
    assert "Settled from data: 2027; projected: 2028-2029." in out
    assert "Net return per £1 invested" in out
    for y in got["years"]:
        pos = y["provider_position_pence"]
        assert pos["p10"] <= pos["p50"] <= pos["p90"]
        if y["settled"]:
            assert pos["p10"] == pos["p90"] == y["provider_position_deterministic_pence"]  # it happened
            assert y["lever_cost_pence"] == 0
        else:
            assert pos["p10"] < pos["p90"]  # levers, noise and trend all vary
            assert y["lever_cost_pence"] > 0
        assert y["provider_position_deterministic_pence"] == (
            y["total_payable_pence"] - y["in_scope_cost_pence"] - y["lever_cost_pence"]
        )
        assert abs(y["people"] - sum(y["people_by_level"].values())) <= 2  # each level rounded to a person
        assert y["budget_pence"] > 0 and y["acute_target_pence"] > 0
    h = got["headlines"]
    assert h["settled_years"] == [2027] and h["projected_years"] == [2028, 2029]
    # The synthetic contract's [provider]: 24 pounds of reserves and 66 of working capital per person (1,500).
    assert (h["reserves_pence"], h["working_capital_pence"]) == (1500 * 24 * 100, 1500 * 66 * 100)
    assert 0.0 <= h["p_loss_exceeds_reserves"] <= 1.0
    cumulative = 0
    for y in got["years"]:
        cumulative += y["net_savings_pence"]
        assert y["cumulative_net_savings_pence"] == cumulative


def test_project_refuses_a_bad_scenario_before_reading_data(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nexpected_achievement = 1.5\n")
    out_json = tmp_path / "p.json"
    code, _, err = _run(["project", "--data", str(tmp_path / "nowhere"), "--contract", str(tmp_path / "c.toml"),
                         "--scenario", str(bad), "--json", str(out_json)], capsys)
    assert code == 2
    assert "bad.toml scenario.expected_achievement: must be less than or equal to 1" in err
    assert not out_json.exists()


def test_compare_tabulates_each_form(data, tmp_path, capsys):
    out_json = tmp_path / "c.json"
    # No --contract: the full preset's calendar (baseline 2026, 15 years), which the data matches.
    chart = tmp_path / "c.svg"
    code, out, _ = _run(["compare", "--data", str(data), "--forms", "virtual,full,pacs", "--runs", "200",
                         "--json", str(out_json), "--chart", str(chart)], capsys)
    assert code == 0
    svg = chart.read_text()
    assert svg.startswith("<svg") and 'aria-label="Contract forms compared"' in svg
    assert all(f">{form}<" in svg for form in ("virtual", "full", "pacs"))  # one row of bars per form
    got = json.loads(out_json.read_text())
    assert [f["form"] for f in got["forms"]] == ["virtual", "full", "pacs"]
    assert got["years"] == [2027, 2041]
    for f in got["forms"]:
        assert f["provider_p10_pence"] <= f["provider_expected_pence"]
        assert 0.0 <= f["p_loss_cap"] <= 1.0
    assert "Contract forms compared" in out


def test_compare_refuses_an_unknown_form(data, capsys):
    code, _, err = _run(["compare", "--data", str(data), "--forms", "full,aco"], capsys)
    assert code == 2
    assert "--forms: unknown or not comparable form 'aco'" in err


def test_project_out_of_core_gives_the_same_json(data, tmp_path, capsys):
    """--memory-limit, --work-dir and --parts change where the stages run, not the projection."""
    jsons = []
    for extra in ([], ["--memory-limit", "1GB", "--work-dir", str(tmp_path / "work"), "--parts", "3"]):
        out_json = tmp_path / f"p{len(jsons)}.json"
        code, _, err = _run(["project", "--data", str(data), "--contract", str(data / "contract.toml"),
                             "--runs", "50", "--seed", "4", "--json", str(out_json), *extra], capsys)
        assert code == 0, err
        jsons.append(out_json.read_text())
    assert jsons[0] == jsons[1]
    assert not list((tmp_path / "work").glob("wholepop-work.duckdb*"))


def test_the_projection_base_needs_only_the_baseline_year(data):
    """`project` and `compare` build the baseline year alone; every cell of the base is the
    same as from a run of every year (to float precision: the cells are float sums, whose
    last bits follow how the engine splits a table between threads)."""
    import dataclasses

    import numpy as np

    from wholepop.pipeline import prepare
    from wholepop.projection import base_from_run

    bases = []
    for years in (None, (2026,)):
        run = prepare(data, data / "contract.toml", years=years)
        try:
            bases.append(base_from_run(run))
        finally:
            run.close()
    every, alone = bases
    for field in dataclasses.fields(every):
        a, b = getattr(every, field.name), getattr(alone, field.name)
        if isinstance(a, dict):  # practice_people: one array per practice
            assert a.keys() == b.keys() and all(np.allclose(a[k], b[k], rtol=1e-12, atol=0) for k in a), field.name
        else:
            assert np.allclose(a, b, rtol=1e-12, atol=0) if isinstance(a, np.ndarray) else a == b, field.name


def test_project_sensitivity_ranks_moves_and_writes_them(data, tmp_path, capsys):
    out_json = tmp_path / "s.json"
    code, out, _ = _run(["project", "--data", str(data), "--contract", str(data / "contract.toml"),
                         "--runs", "0", "--sensitivity", "--json", str(out_json)], capsys)
    assert code == 0
    assert "What moves the result" in out
    sens = json.loads(out_json.read_text())["sensitivity"]
    swings = [abs(r["provider_high_pence"] - r["provider_low_pence"]) for r in sens["rows"]]
    assert swings == sorted(swings, reverse=True)  # the tornado's order
    assert {"budget uplift", "cost trend (every line)"} <= {r["name"] for r in sens["rows"]}


def test_project_from_baseline_projects_every_year(data, tmp_path, capsys):
    out_json = tmp_path / "b.json"
    code, out, _ = _run(["project", "--data", str(data), "--contract", str(data / "contract.toml"),
                         "--runs", "0", "--from-baseline", "--json", str(out_json)], capsys)
    assert code == 0
    assert not any(y["settled"] for y in json.loads(out_json.read_text())["years"])
    assert "Settled from data: none" in out


@pytest.mark.parametrize("extra", [
    '\n[acute_payment]\nbasis = "api"\nmarket_forces_factor = 1.1\n',
    '\n[acute_payment]\nbasis = "api"\n[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\nlines = ["community", "ae"]\nuplift = 0.01\n',
])
def test_project_settles_api_and_funders_years_as_settle_does(data, tmp_path, extra):
    """Issue 17: a settled year of an API / two-funder contract equals ``settle`` to the penny."""
    from wholepop.pipeline import prepare, settle
    from wholepop.projection import base_from_run, project
    from wholepop.projection.scenario import parse_scenario

    contract = tmp_path / "c.toml"
    contract.write_text((data / "contract.toml").read_text() + extra)
    run = prepare(data, contract)
    try:
        scenario = parse_scenario(default_scenario_text().replace("# horizon_years = 15 ", "horizon_years = 3   "))
        p = project(base_from_run(run), run.contract, scenario, run.facts((2026, 2027)))
        first = p.years[0]
        assert first.settled and first.statement == settle(run, first.year)
        for y in p.years:
            if "funders" in extra:
                assert sum(f["contribution_pence"] for f in y.statement.extra["funders"]) == y.budget_pence
            else:
                assert y.statement.extra["acute_payment"]["basis"] == "api"
    finally:
        run.close()
