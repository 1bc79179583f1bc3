"""The web app in a real browser: Debian's headless Chromium driven by Playwright.

One journey on a ~2,000-person provider, as a commissioner would take it: open the
folder on the Providers page, settle a year into the ledger, move the corridor slider on
What if and see the risk share become the figure the library computes for that corridor,
type an invalid term on the Contract page and see ``check``'s error beside the field,
and download the workbook. Every request outside the app's own address is aborted and
recorded (the app must work offline), and a screenshot of each page is written to
``tests/artifacts/web/`` (git-ignored) for review.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``make test``
installs Debian's package; ``WHOLEPOP_CHROMIUM`` names another binary). Without it the
test fails and says so: these tests are part of what ``make test`` proves.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import openpyxl
import pytest
import uvicorn

from wholepop.pipeline import prepared as prepared_run, settle as library_settle
from wholepop.report.charts import money_text
from wholepop.web.app import ServeConfig, create_app

from .conftest import SHARED_NHS, with_term

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000


def _chromium() -> str:
    found = os.environ.get("WHOLEPOP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium not found: `make test` installs Debian's chromium (apt-get install -y chromium)"
    return found


@pytest.fixture(scope="module")
def server(folder, tmp_path_factory):
    """The app on a free localhost port, served by uvicorn on a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ServeConfig(data=(), nhs=SHARED_NHS, workspace=tmp_path_factory.mktemp("ws"))
    srv = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {"blocked": [], "errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)

        def route(r):
            if r.request.url.startswith(server):
                r.continue_()
            else:
                seen["blocked"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.seen = seen
        yield page
        context.close()
        browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_commissioners_journey(page, server, folder, tmp_path):
    # Providers: open the prepared folder; the job page shows progress, then Settle opens
    page.goto(f"{server}/providers")
    # choosing an ICB, then a sub-ICB, lists its PCNs and practices by name
    page.select_option("#pick select[name=icb]", "QE1")
    page.wait_for_selector("#pick select[name=sub_icb]")
    page.select_option("#pick select[name=sub_icb]", "00X")
    page.wait_for_selector("#build")
    assert page.locator("#build").get_by_text("BEECHES MEDICAL CENTRE").count() == 1
    _shot(page, "1-providers")
    page.fill("#open input[name=folder]", str(folder))
    page.click("#open button")
    page.wait_for_url(lambda url: urlparse(url).path.startswith(("/jobs/", "/p/")))
    if urlparse(page.url).path.startswith("/jobs/"):  # the preparation's progress, while it lasts
        _shot(page, "1b-preparing")
    page.wait_for_url(lambda url: urlparse(url).path == "/p/small-mcp/settle", timeout=120_000)

    # Settle: the statement of 2027, settled into the ledger
    assert page.locator("#statement").is_visible()
    page.click("#settle")
    page.wait_for_selector("#message")
    assert "version 1 written" in page.inner_text("#message")
    _shot(page, "2-settle")

    # What if: move the corridor slider up from the contract's 1% until it holds 2028's
    # acute variance (the synthetic data's, about -4% of target), as a person would with the keyboard
    with prepared_run(folder, folder / "contract.toml", years=(2028,)) as run:
        part = library_settle(run, 2028).risk_share
    v = abs(part.variance_pence / part.target_pence)
    assert 0.01 < v < 0.09  # outside the contract's corridor, inside the slider's reach (10%)
    page.goto(f"{server}/p/small-mcp/whatif?year=2028")
    assert int(page.get_attribute("#risk-share", "data-pence")) == part.provider_pence != 0
    presses = int((v - 0.01) / 0.001) + 2  # the slider's step is 0.001
    slider = page.locator('input[type=range][data-mirror="risk_share.corridor"]')
    slider.focus()
    for _ in range(presses):
        slider.press("ArrowRight")
    page.wait_for_function(
        f"() => document.getElementById('risk_share.corridor').value === '{0.01 + presses * 0.001:.3f}'"
        " && !document.getElementById('whatif-result').classList.contains('busy')"
        " && document.getElementById('risk-share').dataset.pence === '0'"
    )
    corridor = page.input_value('input[name="risk_share.corridor"]')
    moved = tmp_path / "contract.toml"
    moved.write_text(with_term((folder / "contract.toml").read_text(), "corridor", corridor))
    with prepared_run(folder, moved, years=(2028,)) as run:
        expected = library_settle(run, 2028).risk_share.provider_pence
    assert int(page.get_attribute("#risk-share", "data-pence")) == expected == 0
    assert page.inner_text("#risk-share") == money_text(expected)
    _shot(page, "3-whatif")

    # Contract: an invalid term shows check's words beside its field, as it is typed
    page.goto(f"{server}/p/small-mcp/contract")
    page.fill('input[name="risk_share.corridor"]', "2")
    error = page.locator('.err[data-for="risk_share.corridor"]')
    error.filter(has_text="must be").wait_for()
    assert error.inner_text() == "contract.toml risk_share.corridor: must be less than or equal to 1, got 2"
    beside = page.evaluate(
        "() => document.querySelector('.err[data-for=\"risk_share.corridor\"]').closest('.field')"
        ".querySelector('input[name=\"risk_share.corridor\"]') !== null"
    )
    assert beside
    _shot(page, "4-contract")

    # Compare the forms
    page.goto(f"{server}/p/small-mcp/compare")
    assert page.locator("#compare tbody tr").count() == 4
    _shot(page, "5-compare")

    # Download the workbook from the Settle page
    page.goto(f"{server}/p/small-mcp/settle?year=2027")
    with page.expect_download() as info:
        page.click("#dl-workbook")
    saved = tmp_path / "statement.xlsx"
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert "Statement 2027" in book.sheetnames

    assert page.seen["blocked"] == [], "the app reached beyond its own address"
    assert page.seen["errors"] == []
