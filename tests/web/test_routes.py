"""Every route of the web app, with good and bad input, through Starlette's test client.

The numbers a page shows are the library's: a statement on the Settle page is the one
``pipeline.settle`` gives for the same folder and contract, to the byte.
"""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import openpyxl
import pyarrow.parquet as pq
import pytest

from wholepop.contract.load import load_contract
from wholepop.pipeline import prepared as prepared_run, settle as library_settle

from .conftest import finish, make_client, with_term

PID = "small-mcp"


def _ready(client):
    """Open the provider's Settle page, following its preparation job."""
    r = finish(client, client.get(f"/p/{PID}/settle", follow_redirects=False))
    assert r.status_code == 200, r.text[:2000]
    return r


def page(response) -> str:
    """The page's text as a reader sees it (entities decoded)."""
    return html.unescape(response.text)


def _pence(html: str, element: str) -> int:
    m = re.search(rf'id="{element}" data-pence="(-?\d+)"', html)
    assert m, f"no #{element} in the page"
    return int(m.group(1))


# -- Providers ------------------------------------------------------------------------------


def test_home_goes_to_providers(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/providers"


def test_providers_lists_the_open_folder(client, folder):
    r = client.get("/providers")
    assert r.status_code == 200
    assert str(folder) in page(r) and f"/p/{PID}/settle" in page(r)


def test_providers_shows_practice_and_pcn_names_of_a_sub_icb(client):
    r = client.get("/providers?icb=QE1&sub_icb=00X")
    assert r.status_code == 200
    assert "BEECHES MEDICAL CENTRE" in page(r) and "PRESTON & SOUTH RIBBLE PCN" in page(r)
    assert 'value="P81692"' in page(r)


def test_open_a_folder_that_is_not_there_says_so(client, tmp_path):
    r = client.post("/providers/open", data={"folder": str(tmp_path / "nowhere")})
    assert r.status_code == 400
    assert f"--data: {tmp_path / 'nowhere'} is not a folder" in page(r)
    assert "Traceback" not in page(r)


def test_open_a_folder_without_a_contract_says_so(client, tmp_path):
    r = client.post("/providers/open", data={"folder": str(tmp_path)})
    assert r.status_code == 400 and "has no contract.toml" in page(r)


def test_open_with_no_folder_says_what_is_wanted(client):
    r = client.post("/providers/open", data={})
    assert r.status_code == 400 and "give the folder of a prepared provider" in page(r)


def test_open_the_same_folder_again_is_the_same_provider(client, folder):
    r = client.post("/providers/open", data={"folder": str(folder)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{PID}/settle"


def test_unknown_provider_is_a_clear_error(client):
    r = client.get("/p/nobody/settle")
    assert r.status_code == 400 and "no provider 'nobody' is open" in page(r)


def test_unknown_job_is_404(client):
    assert client.get("/jobs/nojob").status_code == 404
    assert client.get("/jobs/nojob.json").status_code == 404


@pytest.mark.slow
def test_build_a_provider_from_one_real_practice(client):
    """Building a ~2,000-person practice (Fleggburgh Surgery) from the published list
    takes a job with progress and ends on the new provider's Settle page."""
    r = client.post("/providers/build", data={"practice": "D82600", "years": "2", "name": "fleggburgh"},
                    follow_redirects=False)
    assert r.status_code == 303
    job = r.headers["location"].split("?")[0]
    progress = client.get(r.headers["location"])
    assert progress.status_code == 200 and "building practice D82600" in page(progress)
    r = finish(client, r)
    assert r.status_code == 200, r.text[:2000]
    assert "Settle" in page(r)
    log = client.get(job + ".json").json()
    assert log["state"] == "done" and log["result"] == "fleggburgh"
    assert any("money facts" in line for line in log["log"])


def test_build_an_unknown_practice_fails_with_the_builds_message(client):
    r = client.post("/providers/build", data={"practice": "ZZ9999", "years": "2"}, follow_redirects=False)
    r = finish(client, r)
    assert r.status_code == 200
    job = client.get(r.url.path + ".json").json()
    assert job["state"] == "failed" and "ZZ9999" in job["error"]
    assert "Traceback" not in page(r)


def test_build_with_bad_years_is_refused_before_any_work(client):
    r = client.post("/providers/build", data={"practice": "D82600", "years": "many"})
    assert r.status_code == 400 and "--years: expected a whole number from 1 to 15, got 'many'" in page(r)


def test_upload_of_a_bad_nhs_file_is_refused_and_nothing_is_built(client, tmp_path):
    files = {"lists": ("lists.csv", b"not,a,list\n1,2,3\n", "text/csv"), "map": ("map.csv", b"a,b\n", "text/csv")}
    r = client.post("/providers/build", data={"practice": "A81001"}, files=files)
    assert r.status_code == 400 and "lists.csv" in page(r)
    assert not (tmp_path / "built").exists()


def test_upload_of_the_wrong_kind_of_file_is_refused(client):
    files = {"lists": ("lists.xlsx", b"PK", "application/octet-stream"), "map": ("map.csv", b"a,b\n", "text/csv")}
    r = client.post("/providers/build", data={"practice": "A81001"}, files=files)
    assert r.status_code == 400 and "lists.xlsx: expected a .csv or .zip file" in page(r)


def test_upload_over_the_size_limit_is_413(folder, tmp_path):
    with make_client(folder, tmp_path, max_upload_mb=1) as c:
        big = {"lists": ("lists.csv", b"x" * (1024 * 1024 + 10), "text/csv")}
        r = c.post("/providers/build", files=big)
        assert r.status_code == 413 and "at most 1 MB" in page(r)


# -- Settle ---------------------------------------------------------------------------------


def test_settle_page_shows_the_librarys_statement(client, folder):
    r = _ready(client)
    with prepared_run(folder, folder / "contract.toml", years=(2027,)) as run:
        expected = library_settle(run, 2027)
    assert _pence(r.text, "total") == expected.total_payable_pence
    for line in expected.lines:
        assert line.basis in page(r)
    json_download = client.get(f"/p/{PID}/download/statement.json?year=2027")
    assert json_download.status_code == 200
    assert json_download.text == expected.to_json()
    assert "<svg" in page(r)  # the waterfall and acute charts, drawn by the report's code


def test_settle_page_bad_years(client):
    _ready(client)
    r = client.get(f"/p/{PID}/settle?year=soon")
    assert r.status_code == 400 and "--year: expected a year" in page(r)
    r = client.get(f"/p/{PID}/settle?year=2050")
    assert r.status_code == 400 and "--year: 2050 is not a contract year of Synthetic MCP 2027 (2027-2029)" in page(r)


def test_settle_into_the_ledger_then_unchanged_then_a_correction(client, folder):
    _ready(client)
    r = client.post(f"/p/{PID}/settle", data={"year": "2027"})
    assert r.status_code == 200 and "version 1" in page(r)
    r = client.post(f"/p/{PID}/settle", data={"year": "2027"})
    assert r.status_code == 200 and "already settled as version 1 with the same inputs and contract; nothing written" in page(r)
    # a money term changes (saved on the Contract page): settling again needs a reason
    text = (folder / "contract.toml").read_text()
    (folder / "contract.toml").write_text(with_term(text, "corridor", "0.002"))
    assert load_contract(folder / "contract.toml").risk_share.corridor == Decimal("0.002")
    r = client.post(f"/p/{PID}/settle", data={"year": "2027"})
    assert r.status_code == 409 and "--correct" in page(r)
    r = client.post(f"/p/{PID}/settle", data={"year": "2027", "reason": "corridor agreed at 0.2%"})
    assert r.status_code == 200 and "version 2" in page(r)
    r = client.get(f"/p/{PID}/settle?year=2027&v1=1&v2=2")
    assert r.status_code == 200 and 'id="diff"' in page(r) and "corridor agreed at 0.2%" in page(r)
    r = client.get(f"/p/{PID}/settle?year=2027&v1=1&v2=9")
    assert r.status_code == 400 and "9" in page(r) and "Traceback" not in page(r)
    (folder / "contract.toml").write_text(text)


def test_settle_post_with_a_bad_year(client):
    _ready(client)
    r = client.post(f"/p/{PID}/settle", data={"year": "x"})
    assert r.status_code == 400 and "--year: expected a whole number" in page(r)


# -- What if --------------------------------------------------------------------------------


def test_whatif_page_draws_statement_and_projection(client):
    _ready(client)
    r = client.get(f"/p/{PID}/whatif")
    assert r.status_code == 200
    assert 'id="risk_share.corridor"' in page(r) and 'id="projection"' in page(r) and "<svg" in page(r)


def test_whatif_corridor_gives_the_librarys_risk_share(client, folder, tmp_path):
    _ready(client)
    with prepared_run(folder, folder / "contract.toml", years=(2028,)) as run:
        part = library_settle(run, 2028).risk_share
    # 2028's acute variance as a share of its target (the synthetic data's, about -4%):
    # a corridor half as wide leaves it outside (shared), one a point wider holds it (nothing shared)
    v = abs(part.variance_pence / part.target_pence)
    assert v > 0.002
    outside, inside = f"{v / 2:.3f}", f"{min(v + 0.01, 0.1):.3f}"
    for corridor, shared in ((outside, True), (inside, False)):
        r = client.post(f"/p/{PID}/whatif", data={"year": "2028", "risk_share.corridor": corridor})
        assert r.status_code == 200
        shown = _pence(r.text, "risk-share")
        moved = tmp_path / f"contract-{corridor}.toml"
        moved.write_text(with_term((folder / "contract.toml").read_text(), "corridor", corridor))
        with prepared_run(folder, moved, years=(2028,)) as run:
            assert shown == library_settle(run, 2028).risk_share.provider_pence
        assert (shown != 0) is shared, (corridor, shown)


def test_whatif_invalid_term_shows_checks_error(client):
    _ready(client)
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "risk_share.corridor": "3"})
    assert r.status_code == 422
    assert "contract.toml risk_share.corridor: must be less than or equal to 1, got 3" in page(r)


def test_whatif_refuses_terms_that_change_who_counts(client):
    _ready(client)
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "budget.need_weighting": "none"},
                    headers={"X-Wholepop-Fragment": "1"})
    assert r.status_code == 400 and "change it on the Contract page" in page(r)


def test_whatif_full_run(client):
    _ready(client)
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "runs": "1000"})
    assert r.status_code == 200 and "1,000 runs" in page(r)


# -- Contract -------------------------------------------------------------------------------


def test_contract_page_has_every_term_filled(client, folder):
    r = client.get(f"/p/{PID}/contract")
    assert r.status_code == 200
    assert 'name="risk_share.bands[1].provider_share" id="risk_share.bands[1].provider_share" value="0.25"' in page(r)
    assert 'name="contract.name" id="contract.name" value="Synthetic MCP 2027"' in page(r)


def test_contract_preset_keeps_the_providers_calendar(client):
    r = client.get(f"/p/{PID}/contract?preset=pacs")
    assert r.status_code == 200
    assert 'value="pacs" selected' in page(r) and 'id="contract.term_years" value="3"' in page(r)
    assert client.get(f"/p/{PID}/contract?preset=nhs").status_code == 400


def test_contract_check_returns_errors_by_field(client):
    r = client.get(f"/p/{PID}/contract")
    form = _form_values(r.text)
    form["risk_share.corridor"] = "2"
    doc = client.post(f"/p/{PID}/contract/check", data=form).json()
    assert doc["errors"] == {"risk_share.corridor": ["contract.toml risk_share.corridor: must be less than or equal to 1, got 2"]}
    form["risk_share.corridor"] = "0.01"
    assert client.post(f"/p/{PID}/contract/check", data=form).json()["errors"] == {}


def test_contract_save_invalid_writes_nothing(client, folder):
    before = (folder / "contract.toml").read_text()
    form = _form_values(client.get(f"/p/{PID}/contract").text)
    form["budget.uplift"] = "lots"
    r = client.post(f"/p/{PID}/contract/save", data=form)
    assert r.status_code == 422 and "budget.uplift: must be a number or a list in square brackets, got 'lots'" in page(r)
    assert (folder / "contract.toml").read_text() == before


def test_contract_save_money_term_and_download(client, folder):
    before = (folder / "contract.toml").read_text()
    _ready(client)
    form = _form_values(client.get(f"/p/{PID}/contract").text)
    form["budget.uplift"] = "0.04"
    r = client.post(f"/p/{PID}/contract/save", data=form, follow_redirects=False)
    assert r.status_code == 200 and "saved" in page(r)  # no rebuild: the facts stay valid
    assert load_contract(folder / "contract.toml").budget.uplift == Decimal("0.04")
    d = client.get(f"/p/{PID}/contract.toml")
    assert d.status_code == 200 and "uplift = 0.04" in d.text
    form["budget.uplift"] = "0.05"
    d = client.post(f"/p/{PID}/contract/save?download=1", data=form)
    assert "uplift = 0.05" in d.text and "attachment" in d.headers["content-disposition"]
    assert load_contract(folder / "contract.toml").budget.uplift == Decimal("0.04")
    (folder / "contract.toml").write_text(before)


def test_contract_save_population_term_rebuilds_with_progress(client, folder):
    before = (folder / "contract.toml").read_text()
    _ready(client)
    form = _form_values(client.get(f"/p/{PID}/contract").text)
    form["budget.need_weighting"] = "none"
    r = client.post(f"/p/{PID}/contract/save", data=form, follow_redirects=False)
    assert r.status_code == 303 and "/jobs/" in r.headers["location"]
    r = finish(client, r)
    assert r.status_code == 200
    (folder / "contract.toml").write_text(before)


def test_contract_upload(client, folder):
    ok = (folder / "contract.toml").read_bytes()
    mine = with_term(ok.decode(), "uplift", "0.021").encode()
    r = client.post(f"/p/{PID}/contract/upload", files={"file": ("mine.toml", mine, "application/toml")})
    assert r.status_code == 200 and 'value="0.021"' in page(r) and "press Save" in page(r)
    assert (folder / "contract.toml").read_bytes() == ok  # only Save writes
    bad = with_term(ok.decode(), "corridor", "7").encode()
    r = client.post(f"/p/{PID}/contract/upload", files={"file": ("mine.toml", bad, "application/toml")})
    assert r.status_code == 422 and "mine.toml risk_share.corridor: must be less than or equal to 1, got 7" in page(r)
    r = client.post(f"/p/{PID}/contract/upload", files={"file": ("big.toml", b"#" * (300 * 1024), "application/toml")})
    assert r.status_code == 400 and "at most 256 KB" in page(r)
    r = client.post(f"/p/{PID}/contract/upload", files={"file": ("bin.toml", b"\xff\xfe\x00", "application/toml")})
    assert r.status_code == 400 and "not UTF-8" in page(r)
    r = client.post(f"/p/{PID}/contract/upload", data={})
    assert r.status_code == 400 and "choose a contract file" in page(r)
    assert (folder / "contract.toml").read_bytes() == ok


def _form_values(html: str) -> dict:
    """The contract form's fields as a browser would post them (ticked boxes only)."""
    form = re.search(r'<form method="post" action="[^"]*/contract/save".*?</form>', html, re.DOTALL).group(0)
    values: dict = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        value = (re.search(r'value="([^"]*)"', tag) or [None, ""])[1].replace("&amp;", "&")
        if kind == "checkbox" and "checked" not in tag:
            continue
        values.setdefault(name.group(1), []).append(value)
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = [chosen.group(1) if chosen else re.search(r'value="([^"]*)"', body).group(1)]
    return {k: v if len(v) > 1 else v[0] for k, v in values.items()}


# -- Compare and downloads ------------------------------------------------------------------


def test_compare_forms(client):
    _ready(client)
    r = client.get(f"/p/{PID}/compare?form=full&form=virtual")
    assert r.status_code == 200
    rows = re.findall(r"<tr><td>(\w+)</td>", r.text)
    assert rows == ["virtual", "full"] or rows == ["full", "virtual"]
    r = client.get(f"/p/{PID}/compare?form=nhs")
    assert r.status_code == 400 and "--forms: unknown or not comparable form 'nhs'" in page(r)


def test_downloads(client):
    _ready(client)
    client.post(f"/p/{PID}/settle", data={"year": "2027"})
    wb = client.get(f"/p/{PID}/download/workbook.xlsx")
    assert wb.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(wb.content))
    assert "Statement 2027" in book.sheetnames
    html = client.get(f"/p/{PID}/download/report.html")
    assert html.status_code == 200 and "<script" not in page(html).lower()
    proj = client.get(f"/p/{PID}/download/projection.json")
    assert proj.status_code == 200 and proj.json()["runs"] == 200
    assert client.get(f"/p/{PID}/download/projection.json?runs=1000").json()["runs"] == 1000
    assert client.get(f"/p/{PID}/download/secrets.txt").status_code == 404


def test_report_before_any_settlement_says_to_settle(folder, tmp_path):
    import shutil

    fresh = tmp_path / "fresh"
    shutil.copytree(folder, fresh, ignore=shutil.ignore_patterns("*.duckdb*"))
    with make_client(fresh, tmp_path) as c:
        finish(c, c.get("/p/fresh/settle", follow_redirects=False))
        r = c.get("/p/fresh/download/workbook.xlsx")
        assert r.status_code == 400 and "settle a year on the Settle page first" in page(r)


# -- Safe by default ------------------------------------------------------------------------


def test_no_patient_identifier_in_any_page(client, folder):
    _ready(client)
    ids = set(pq.read_table(folder / "patients.parquet", columns=["patient_id"])["patient_id"].to_pylist())
    pages = [f"/p/{PID}/settle", f"/p/{PID}/whatif", f"/p/{PID}/contract", f"/p/{PID}/compare", "/providers",
             f"/p/{PID}/download/report.html"]
    for path in pages:
        text = client.get(path).text
        found = set(re.findall(r"P\d{8}", text)) & ids
        assert not found, (path, sorted(found)[:3])


def test_a_token_is_required_when_set(folder, tmp_path):
    with make_client(folder, tmp_path, token="s3cret") as c:
        r = c.get("/providers")
        assert r.status_code == 401 and "token is required" in page(r)
        assert c.get("/providers?token=wrong").status_code == 401
        r = c.get("/providers?token=s3cret", follow_redirects=False)
        assert r.status_code == 303 and "token" not in r.headers["location"]
        assert c.get("/providers").status_code == 200  # the cookie now carries it
    with make_client(folder, tmp_path, token="s3cret") as c:
        assert c.get("/providers", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/static/app.js").status_code == 401


def test_a_bug_is_one_line_never_a_traceback(client, monkeypatch):
    from wholepop.web import app as web_app

    def broken(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web_app, "_catalogue", broken)
    r = client.get("/providers")
    assert r.status_code == 500
    assert "internal error" in page(r) and "secret internals" not in page(r) and "Traceback" not in page(r)


def test_static_script_is_served_from_the_package(client):
    r = client.get("/static/app.js")
    assert r.status_code == 200 and "data-live" in page(r)


def test_a_page_asked_twice_while_preparing_prepares_once(folder, tmp_path):
    with make_client(folder, tmp_path) as c:
        first = c.get(f"/p/{PID}/whatif", follow_redirects=False)
        second = c.get(f"/p/{PID}/compare", follow_redirects=False)
        assert first.status_code == second.status_code == 303
        job = first.headers["location"].split("?")[0]
        assert second.headers["location"].split("?")[0] == job
        r = finish(c, first)
        assert r.status_code == 200 and 'id="whatif-form"' in r.text
        steps = [line.split("s  ", 1)[1] for line in c.get(job + ".json").json()["log"]]
        assert steps[-3:] == ["money facts", "projection cells", "ready"]


def test_a_post_from_another_site_is_refused(client):
    _ready(client)
    r = client.post(f"/p/{PID}/settle", data={"year": "2027"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "another site" in r.text
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027"}, headers={"Origin": "http://127.0.0.1"})
    assert r.status_code == 200


def test_whatif_projects_fifteen_years_or_the_term(client):
    _ready(client)
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "horizon": "15"})
    assert r.status_code == 200 and re.findall(r"<tr><td>(\d{4})</td>", r.text) == [str(y) for y in range(2027, 2042)]
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "horizon": "3"})
    assert re.findall(r"<tr><td>(\d{4})</td>", r.text) == ["2027", "2028", "2029"]
    r = client.post(f"/p/{PID}/whatif", data={"year": "2027", "horizon": "40"})
    assert r.status_code == 400 and "horizon: expected one of 3, 15 years, got '40'" in page(r)
    assert client.get(f"/p/{PID}/download/projection.json").json()["years"][-1]["year"] == 2029


def test_build_from_uploaded_nhs_files(client):
    """The user's own files (here the published ones, uploaded), with codes typed."""
    from .conftest import SHARED_NHS

    lists = (SHARED_NHS / "gp-reg-pat-prac-quin-age-2026-07.zip").read_bytes()
    mapping = (SHARED_NHS / "gp-reg-pat-prac-map-2026-07.zip").read_bytes()
    files = {"lists": ("quin.zip", lists, "application/zip"), "map": ("map.zip", mapping, "application/zip")}
    r = client.post("/providers/build", data={"practice": "p81692, ", "years": "2", "name": "beeches"}, files=files,
                    follow_redirects=False)
    assert r.status_code == 303
    job = r.headers["location"].split("?")[0]
    r = finish(client, r)
    assert r.status_code == 200, page(r)[:2000]
    assert client.get(job + ".json").json()["result"] == "beeches"


def test_settle_page_shows_the_provider_position(client, folder):
    """The statement's ``provider_position``: surplus (+) or deficit (-), to the penny."""
    from wholepop.report.charts import money_text

    r = _ready(client)
    with prepared_run(folder, folder / "contract.toml", years=(2027,)) as run:
        position = library_settle(run, 2027).provider_position
    assert f'id="position">{money_text(position.surplus_pence)}<' in page(r)


def test_contract_warnings_are_beside_their_fields_in_checks_words(client, folder, capsys):
    """The synthetic contract runs 3 years, outside the 10-15 an MCP runs: `check` warns,
    and the Contract page shows the same line beside contract.term_years."""
    from conftest import run_cli

    run_cli(["check", "--data", str(folder), "--contract", str(folder / "contract.toml")])
    said = [line.strip() for line in capsys.readouterr().out.splitlines() if "term_years" in line]
    assert said, "check gave no term_years warning"
    form = _form_values(client.get(f"/p/{PID}/contract").text)
    doc = client.post(f"/p/{PID}/contract/check", data=form).json()
    assert doc["errors"] == {} and doc["warnings"]["contract.term_years"] == said
    r = client.get(f"/p/{PID}/contract")
    assert re.search(r'data-warn-for="contract.term_years">warning: ' + re.escape(said[0]), page(r))
    form["contract.term_years"] = "12"
    assert "contract.term_years" not in client.post(f"/p/{PID}/contract/check", data=form).json()["warnings"]


def test_build_selection_by_pcn_sub_icb_or_icb_reaches_the_builder(client, monkeypatch):
    """The page's choices become the builder's Selection (the build itself is stubbed here:
    a real one-practice build is tested above)."""
    import wholepop.synth.lists as builder

    seen = []

    def record(out, lists, practice_map, selection, **kw):
        seen.append(selection)
        raise builder.UserError("stopped by the test")

    monkeypatch.setattr(builder, "build", record)
    for data, expected in (
        ({"pcn": "U49070"}, builder.Selection(pcns=("U49070",))),
        ({"whole_sub_icb": "00x"}, builder.Selection(sub_icb="00X")),
        ({"whole_icb": "qe1"}, builder.Selection(icb="QE1")),
    ):
        r = finish(client, client.post("/providers/build", data=data, follow_redirects=False))
        assert r.status_code == 200 and "stopped by the test" in page(r)
        assert seen[-1] == expected
    r = client.post("/providers/build", data={}, follow_redirects=False)
    assert r.status_code == 400 and "give exactly one of --practices, --pcn, --sub-icb, --icb" in page(r)


def test_a_preparation_that_fails_says_why_and_points_to_the_contract(folder, tmp_path):
    """A contract whose baseline the data does not reach: the job fails with the stage's
    own message, and the page links to the Contract page to fix it."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(folder, broken, ignore=shutil.ignore_patterns("*.duckdb*"))
    contract = broken / "contract.toml"
    text = with_term(with_term(contract.read_text(), "baseline_year", "2020"), "start_year", "2021")
    contract.write_text(text)
    with make_client(broken, tmp_path) as c:
        r = finish(c, c.get("/p/broken/settle", follow_redirects=False))
        assert r.status_code == 200
        assert "error:" in page(r) and "2020" in page(r) and "Traceback" not in page(r)
        assert 'href="/p/broken/contract"' in r.text
        assert c.get("/p/broken/contract").status_code == 200


def test_on_localhost_only_requests_naming_this_machine_are_answered(client, folder, tmp_path):
    """A page on another site cannot reach the app through a DNS name of its own."""
    assert client.get("/providers", headers={"Host": "attacker.example"}).status_code == 421
    assert client.get("/providers", headers={"Host": "localhost:8050"}).status_code == 200
    with make_client(folder, tmp_path, token="t", local_only=False) as c:  # --host: any name, with the token
        assert c.get("/providers", headers={"Host": "wholepop.team.nhs.uk", "Authorization": "Bearer t"}).status_code == 200
