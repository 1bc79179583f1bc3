"""The report in a real browser: headless Chromium opens it from a file URL, offline.

Playwright drives Debian's ``chromium`` (``executable_path``) with every non-file request
aborted and recorded; the test asserts no failed or blocked request, no console error or
page error, that every chart's SVG has a non-zero rendered size, and that the report
prints to a PDF of several pages. It saves a full-page PNG (and the PDF) under
``tests/artifacts/`` (git-ignored) for a human to look at.

Without Playwright it falls back to Chromium's own ``--dump-dom`` and ``--screenshot``
(with console messages read from its log). It skips, saying why, only when no Chromium
can be found (``make test`` installs Debian's ``chromium``; set ``WHOLEPOP_CHROMIUM`` to
use another binary).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wholepop.report.html import write_html

from .fixtures import report_data

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHARTS = 7  # pyramid, Lorenz, services, two waterfalls, acute, metrics


def _chromium() -> str:
    found = os.environ.get("WHOLEPOP_CHROMIUM") or next(
        (p for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable") if (p := shutil.which(name))),
        None,
    )
    if not found:
        pytest.skip(
            "headless Chromium not found: install Debian's `chromium` package "
            "(apt-get install -y chromium) or set WHOLEPOP_CHROMIUM to a Chromium binary"
        )
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return write_html(report_data(), tmp_path_factory.mktemp("browser") / "report.html")


def _open(chromium: str, page_file: Path, png: Path | None = None) -> dict:
    """Open ``page_file`` offline; return what the browser saw (requests, console, charts, PDF)."""
    from playwright.sync_api import sync_playwright

    seen = {"blocked": [], "failed": [], "console_errors": [], "page_errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})

            def route(r):
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    seen["blocked"].append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("requestfailed", lambda r: seen["failed"].append(r.url))
            page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
            page.goto(page_file.as_uri(), wait_until="load")
            seen["charts"] = page.evaluate(
                "() => [...document.querySelectorAll('figure.chart svg')].map(s => {"
                " const r = s.getBoundingClientRect();"
                " return [s.getAttribute('aria-label'), r.width, r.height, s.querySelectorAll('path,rect,text').length]; })"
            )
            seen["stamped"] = page.evaluate("() => document.querySelector('.stamp') !== null")
            if png is not None:
                page.screenshot(path=str(png), full_page=True)
                seen["pdf"] = page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
    return seen


def test_report_renders_offline_in_headless_chromium(report):
    chromium = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        import playwright  # noqa: F401
    except ImportError:  # pragma: no cover  (make test installs Playwright)
        _cli_check(chromium, report)
        return
    png = ARTIFACTS / "report.png"
    seen = _open(chromium, report, png)
    (ARTIFACTS / "report.pdf").write_bytes(seen["pdf"])

    assert seen["blocked"] == [] and seen["failed"] == []
    assert seen["console_errors"] == [] and seen["page_errors"] == []
    assert len(seen["charts"]) == CHARTS
    assert [label for label, w, h, marks in seen["charts"] if not (w > 100 and h > 100 and marks > 10)] == []
    assert seen["stamped"] is False  # a published report carries no restricted stamp
    assert png.stat().st_size > 50_000
    # the glance, then each section starts a page; statements and tables run longer
    assert len(re.findall(rb"/Type\s*/Page[^s]", seen["pdf"])) >= 8


def test_the_offline_harness_catches_a_fetch_and_a_console_error(tmp_path):
    """The checks above would fail on a page that reached out or logged an error."""
    chromium = _chromium()
    pytest.importorskip("playwright", reason="Playwright drives the harness check")
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><img src="https://example.invalid/x.png">'
        "<script>console.error('broken chart')</script></body></html>"
    )
    seen = _open(chromium, bad)
    assert seen["blocked"] == ["https://example.invalid/x.png"]
    assert seen["failed"] == ["https://example.invalid/x.png"]
    assert "broken chart" in seen["console_errors"]


def _cli_check(chromium: str, report: Path) -> None:  # pragma: no cover  (used only without Playwright)
    """Chromium's own headless mode: the rendered DOM, the console log, a screenshot."""
    common = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
        # the network is blocked by resolving every host to nothing
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
    ]
    profile = report.parent / "profile"
    dom = subprocess.run(
        [*common, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )
    shot = ARTIFACTS / "report.png"
    run = subprocess.run(
        [*common, f"--user-data-dir={profile}-2", f"--screenshot={shot}", "--window-size=1100,9000", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )
    log = dom.stderr + run.stderr
    assert re.findall(r'CONSOLE[:(]\d+\)?\] "(.*?)"', log) == []
    assert re.findall(r"net::ERR_\w+", log) == []
    assert len(re.findall(r'<svg role="img"[^>]* width="(\d+)" height="(\d+)"', dom.stdout)) == CHARTS
    assert shot.stat().st_size > 50_000
