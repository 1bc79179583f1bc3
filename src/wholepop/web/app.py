"""The web app: routes of the five pages, downloads and jobs, on Starlette.

Pages are rendered on the server with Jinja2 (the report's templates are on the same
loader, so its stylesheet and charts are shared) and work without JavaScript; a few lines
of vendored script (``static/app.js``) post a form as its fields change and swap in the
answer, which is how What-if redraws and the contract validates as you type.

Errors: a ``UserError`` (bad input of any kind) is shown in the page in the CLI's words;
anything else is a bug, logged to the server's console, shown as one line, never a trace.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hmac
import json
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from wholepop import __version__
from wholepop.errors import UserError
from wholepop.money.pence import pounds
from wholepop.report import charts
from wholepop.report.disclosure import Disclosure
from wholepop.web import terms, whatif
from wholepop.web.workspace import DUCKDB, Prepared, Provider, Workspace

__all__ = ["ServeConfig", "create_app"]

HERE = Path(__file__).parent
CONTRACT_MAX_BYTES = 256 * 1024


@dataclass
class ServeConfig:
    """How the server was started (``wholepop serve`` options).

    Attributes:
        data: prepared data folders to list on the Providers page.
        ledger: one ledger for every provider (a file or a URL); default each folder's
            ``wholepop.duckdb``.
        token: required of every request when set (``--host`` makes it mandatory).
        restricted: allow unrounded counts in downloads (stamped RESTRICTED).
        nhs: folder of NHS England's practice files to build providers from.
        workspace: where providers built here are written.
        max_upload_mb: the largest request body accepted.
        engine: the engine providers are prepared on (duckdb or polars).
        local_only: serving 127.0.0.1 only: a request must name this machine as its host
            (a page elsewhere cannot reach the app through a name of its own: DNS rebinding).
    """

    data: tuple[Path, ...] = ()
    ledger: str | None = None
    token: str | None = None
    restricted: bool = False
    nhs: Path | None = None
    workspace: Path = Path("wholepop-web")
    max_upload_mb: int = 50
    engine: str = "duckdb"
    local_only: bool = True


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------

_env = jinja2.Environment(
    loader=jinja2.ChoiceLoader([
        jinja2.PackageLoader("wholepop.web", "templates"),
        jinja2.PackageLoader("wholepop.report", "templates"),
    ]),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.tests["mssp_term"] = lambda name: str(name).startswith("mssp.")
_env.filters.update(
    money=charts.money_text,
    pounds=lambda pence: f"{pounds(pence):,}",
    pct=lambda share: f"{float(share) * 100:.1f}%",
)


def _render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    config: ServeConfig = request.app.state.config
    ws: Workspace = request.app.state.ws
    context.setdefault("provider", None)
    context.setdefault("page", name.split(".")[0])
    text = _env.get_template(name).render(
        request=request, ws=ws, config=config, version=__version__, terms=terms, **context
    )
    return HTMLResponse(text, status_code=status)


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, object]:
    """A posted form as name -> text (or a list, for a name given more than once)."""
    form = await request.form()
    out: dict[str, object] = {}
    for name in set(form.keys()):
        values = form.getlist(name)
        if any(isinstance(v, UploadFile) for v in values):
            continue
        out[name] = values if len(values) > 1 or name.endswith(("services", "basis")) else values[0]
    return out


def threaded(page: Callable[[Request], Response]):
    """A page that computes runs on a worker thread (its form read first), so the server
    keeps answering meanwhile: a job's progress, the other people on the team."""

    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        request.state.form = await _form(request) if request.method == "POST" else {}
        return await run_in_threadpool(page, request)

    return endpoint


def _provider(request: Request) -> Provider:
    return request.app.state.ws.get(request.path_params["pid"])


def _ready(request: Request, provider: Provider) -> Prepared | Response:
    """The prepared facts of the provider's saved contract, or a redirect to the job that
    prepares them (started if need be)."""
    ws: Workspace = request.app.state.ws
    prepared = ws.cached(provider, provider.contract())
    if prepared is not None:
        return prepared
    job = ws.jobs.start(f"preparing {provider.label}", lambda j: (ws.prepare(provider, j), provider.id)[1],
                        key=f"prepare:{provider.id}")
    back = request.url.path
    return RedirectResponse(f"/jobs/{job.id}?next={back}", status_code=303)


def _year(request: Request, prepared: Prepared) -> int:
    raw = request.query_params.get("year") or ""
    if not raw:
        if not prepared.years:
            if prepared.part_years:  # data, but none of it a whole year: stating it gives settle's refusal
                return prepared.part_years[0]
            raise UserError("the data holds no contract year")
        return prepared.years[0]
    if not raw.isdigit():
        raise UserError(f"--year: expected a year such as {prepared.years[0] if prepared.years else 2027}, got {raw!r}")
    return int(raw)


def _position(statement) -> int | None:
    """The provider's surplus (+) or deficit (-): ``Statement.provider_position`` (None if
    a statement states no position)."""
    position = getattr(statement, "provider_position", None)
    surplus = getattr(position, "surplus_pence", None)
    return surplus if isinstance(surplus, int) else None


def _statement_charts(statement) -> dict[str, Markup]:
    out = {"waterfall": Markup(charts.waterfall_svg(statement))}
    if statement.risk_share is not None:
        out["acute"] = Markup(charts.acute_svg([statement]))
    return out


def _fan(doc: dict) -> Markup | None:
    from wholepop.report.data import ProjectionSummary

    summary = ProjectionSummary.from_json(doc)
    return Markup(charts.fan_svg(summary.years)) if summary.years else None


def _records(provider: Provider, contract_id: str) -> list:
    from wholepop.ledger import list_settlements

    ledger = provider.ledger
    if "://" not in ledger and not Path(ledger).exists():
        return []
    # Keyed on the contract's id (``Contract.id``), as the ledger is: a renamed contract keeps its versions.
    return sorted((r for r in list_settlements(ledger) if r.contract_id == contract_id), key=lambda r: (r.year, r.version))


# ---------------------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return RedirectResponse("/providers", status_code=303)


def _catalogue(request: Request):
    config: ServeConfig = request.app.state.config
    if config.nhs is None:
        return None
    cat = request.app.state.catalogue
    if cat is None:
        from wholepop.web.nhs import Catalogue, find_files

        cat = request.app.state.catalogue = Catalogue(find_files(config.nhs))
    return cat


@threaded
def providers(request: Request) -> Response:
    q = request.query_params
    cat = _catalogue(request)
    icb, sub_icb = (q.get("icb") or "").upper(), (q.get("sub_icb") or "").upper()
    nhs = None
    if cat is not None:
        nhs = {"icbs": cat.icbs(), "icb": icb, "sub_icb": sub_icb,
               "sub_icbs": cat.sub_icbs(icb) if icb else [],
               "pcns": cat.pcns(sub_icb) if sub_icb else [],
               "practices": cat.practices(sub_icb) if sub_icb else []}
    return _render(request, "providers.html.j2", nhs=nhs, disclosure=Disclosure(restricted=False))


@threaded
def open_folder(request: Request) -> Response:
    form = request.state.form
    folder = str(form.get("folder") or "").strip()
    if not folder:
        raise UserError("--data: give the folder of a prepared provider (one holding contract.toml)")
    provider = request.app.state.ws.add(folder)
    return RedirectResponse(f"/p/{provider.id}/settle", status_code=303)


async def build_provider(request: Request) -> Response:
    """Build an input folder from real practices (``wholepop build``), then prepare it."""
    from wholepop.synth.lists import Selection, build

    config: ServeConfig = request.app.state.config
    ws: Workspace = request.app.state.ws
    form = await request.form()
    cat = _catalogue(request)
    files = cat.files if cat is not None else None
    uploads = {k: form.get(k) for k in ("lists", "map")}
    tmp = None
    if any(isinstance(u, UploadFile) and u.filename for u in uploads.values()):
        tmp, files = _uploaded_nhs_files(uploads, config)
    if files is None:
        raise UserError("no NHS files: start the server with --nhs DIR, or upload a list-size file and a practice map")
    def codes(name: str) -> tuple[str, ...]:  # ticked boxes, or codes typed with commas
        return tuple(c.strip().upper() for v in form.getlist(name) for c in str(v).split(",") if c.strip())

    practices, pcns = codes("practice"), codes("pcn")
    sub_icb = str(form.get("whole_sub_icb") or "").strip().upper() or None
    icb = str(form.get("whole_icb") or "").strip().upper() or None
    selection = (Selection(practices=practices) if practices else Selection(pcns=pcns) if pcns
                 else Selection(icb=icb) if icb and not sub_icb else Selection(sub_icb=sub_icb))
    years = _int(form.get("years") or "3", "years", 1, 15)
    seed = _int(form.get("seed") or "42", "seed", 0, 2**31)
    name = "".join(c if c.isalnum() else "-" for c in str(form.get("name") or selection.label).lower()).strip("-")[:60]
    out = config.workspace / (name or "provider")

    def work(job) -> str:
        try:
            report = build(out, files.lists, files.practice_map, selection, weights=files.weights, imd=files.imd,
                           years=years, seed=seed, progress=lambda d, t, s: job.progress(d, t, s))
        finally:
            if tmp is not None:
                tmp.cleanup()
        job.progress(0, 7, f"built {report.people:,} people in {report.practices} practices; preparing")
        provider = ws.add(out, label=f"{selection.label} ({report.practices} practices)")
        ws.prepare(provider, job)
        return provider.id

    job = ws.jobs.start(f"building {selection.label}", work)
    return RedirectResponse(f"/jobs/{job.id}?next=settle", status_code=303)


def _int(raw, name: str, low: int, high: int) -> int:
    text = str(raw).strip()
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise UserError(f"--{name}: expected a whole number from {low} to {high}, got {text!r}")
    return int(text)


def _uploaded_nhs_files(uploads: dict, config: ServeConfig):
    """The user's NHS files, in a temporary folder, read by the importers first: a bad
    file is refused before anything is built."""
    from wholepop.importers.nhs import read_list_counts, read_practice_map
    from wholepop.web.nhs import NhsFiles

    lists, mapping = uploads.get("lists"), uploads.get("map")
    if not (isinstance(lists, UploadFile) and lists.filename and isinstance(mapping, UploadFile) and mapping.filename):
        raise UserError("upload both files: the list sizes (gp-reg-pat-prac-quin-age) and the practice map (gp-reg-pat-prac-map)")
    tmp = tempfile.TemporaryDirectory(prefix="wholepop-upload-")
    paths = []
    for upload in (lists, mapping):
        suffix = Path(upload.filename).suffix.lower()
        if suffix not in (".csv", ".zip"):
            tmp.cleanup()
            raise UserError(f"{upload.filename}: expected a .csv or .zip file")
        path = Path(tmp.name) / Path(upload.filename).name
        path.write_bytes(upload.file.read())
        paths.append(path)
    try:
        read_list_counts(paths[:1])
        read_practice_map(paths[1])
    except BaseException:
        tmp.cleanup()
        raise
    return tmp, NhsFiles(paths[1], (paths[0],))


async def job_page(request: Request) -> Response:
    job = request.app.state.ws.jobs.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404, "no such job")
    nxt = request.query_params.get("next", "settle")
    if job.state == "done" and job.result:
        target = nxt if nxt.startswith("/p/") else f"/p/{job.result}/{nxt if nxt in ('settle', 'contract', 'whatif', 'compare') else 'settle'}"
        return RedirectResponse(target, status_code=303)
    pid = nxt.split("/")[2] if nxt.startswith("/p/") and nxt.count("/") >= 3 else None
    return _render(request, "job.html.j2", job=job, next=nxt, pid=pid if pid in request.app.state.ws.providers else None)


async def job_json(request: Request) -> Response:
    job = request.app.state.ws.jobs.get(request.path_params["job"])
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse(job.as_json())


# ---------------------------------------------------------------------------------------
# Contract
# ---------------------------------------------------------------------------------------


def _contract_page(request: Request, provider: Provider, values: dict, errors: dict, saved: str | None = None,
                   status: int = 200) -> Response:
    from wholepop.contract.presets import PRESET_FORMS

    contract, _ = terms.validate(terms.form_to_toml(values))
    warnings = terms.warnings_by_field(contract, terms.field_names(values)) if contract is not None else {}
    return _render(request, "contract.html.j2", status=status, provider=provider, values=values, errors=errors,
                   warnings=warnings, saved=saved, presets=[f.value for f in PRESET_FORMS], page="contract")


def _file_values(provider: Provider) -> tuple[dict, dict]:
    """The saved contract file as form values, with its errors if it has any."""
    import tomllib
    from decimal import Decimal

    text = provider.contract_path.read_text(encoding="utf-8")
    contract, lines = terms.validate(text)
    if contract is not None:
        values = terms.contract_to_form(contract.model_dump(mode="python", exclude_none=True))
    else:
        try:
            values = terms.contract_to_form(tomllib.loads(text, parse_float=Decimal))
        except tomllib.TOMLDecodeError:
            values = {}
    return values, terms.errors_by_field(lines, terms.field_names(values))


@threaded
def contract_page(request: Request) -> Response:
    provider = _provider(request)
    preset = request.query_params.get("preset")
    if preset:
        from wholepop.contract.presets import preset_text

        try:
            text = preset_text(preset)
        except (KeyError, ValueError):
            raise UserError(f"--form: no preset for form {preset!r}") from None
        current = provider.contract()
        contract, _ = terms.validate(text)
        values = terms.contract_to_form(contract.model_dump(mode="python", exclude_none=True))
        # keep the provider's own name and calendar: a preset sets the money terms
        for key in ("name", "start_year", "term_years", "baseline_year"):
            values[f"contract.{key}"] = str(getattr(current.contract, key))
        _, lines = terms.validate(terms.form_to_toml(values))
        return _contract_page(request, provider, values, terms.errors_by_field(lines, terms.field_names(values)))
    values, errors = _file_values(provider)
    return _contract_page(request, provider, values, errors)


@threaded
def contract_check(request: Request) -> Response:
    """Validate the form as it stands: {field: [error lines]} in check's words."""
    values = request.state.form
    contract, lines = terms.validate(terms.form_to_toml(values))
    names = terms.field_names(values)
    warnings = terms.warnings_by_field(contract, names) if contract is not None else {}
    return JSONResponse({"errors": terms.errors_by_field(lines, names), "warnings": warnings})


@threaded
def contract_save(request: Request) -> Response:
    """Save the form as the provider's contract.toml (only when valid); a change to the
    terms that decide who counts rebuilds the population, as a job with progress."""
    provider = _provider(request)
    values = request.state.form
    text = terms.form_to_toml(values)
    contract, lines = terms.validate(text)
    if contract is None:
        return _contract_page(request, provider, values, terms.errors_by_field(lines, terms.field_names(values)), status=422)
    if request.query_params.get("download"):
        return _toml_download(text, contract.name)
    _write_atomic(provider.contract_path, text)
    ws: Workspace = request.app.state.ws
    if ws.cached(provider, contract) is None:
        job = ws.jobs.start(f"rebuilding {provider.label} for the new terms", lambda j: (ws.prepare(provider, j), provider.id)[1],
                            key=f"prepare:{provider.id}")
        return RedirectResponse(f"/jobs/{job.id}?next=contract", status_code=303)
    return _contract_page(request, provider, values, {}, saved=f"saved {provider.contract_path}")


async def contract_upload(request: Request) -> Response:
    """A contract file from the user: size-limited and validated; it fills the form and
    is written only when saved."""
    provider = _provider(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UserError("choose a contract file (.toml) to upload")
    data = await upload.read(CONTRACT_MAX_BYTES + 1)
    if len(data) > CONTRACT_MAX_BYTES:
        raise UserError(f"{upload.filename}: a contract file is at most {CONTRACT_MAX_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{upload.filename}: not UTF-8 text") from None
    contract, lines = terms.validate(text)
    if contract is None:
        errors = {"": [line.replace(terms.SOURCE, upload.filename, 1) for line in lines]}
        values, _ = _file_values(provider)
        return _contract_page(request, provider, values, errors, status=422)
    values = terms.contract_to_form(contract.model_dump(mode="python", exclude_none=True))
    return _contract_page(request, provider, values, {}, saved=f"read {upload.filename}: valid; press Save to use it")


def _toml_download(text: str, name: str) -> Response:
    safe = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "contract"
    return Response(text, media_type="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{safe}.toml"'})


@threaded
def contract_download(request: Request) -> Response:
    provider = _provider(request)
    return _toml_download(provider.contract_path.read_text(encoding="utf-8"), provider.contract_path.stem)


def _write_atomic(path: Path, text: str) -> None:
    import os

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------
# Settle
# ---------------------------------------------------------------------------------------


@threaded
def settle_page(request: Request) -> Response:
    provider = _provider(request)
    prepared = _ready(request, provider)
    if isinstance(prepared, Response):
        return prepared
    return _settle_view(request, provider, prepared, _year(request, prepared))


def _settle_view(request: Request, provider: Provider, prepared: Prepared, year: int, message: str | None = None,
                 error: str | None = None, status: int = 200) -> Response:
    contract = provider.contract()
    statement = prepared.statement(contract, year)
    records = _records(provider, contract.id)
    diff = None
    q = request.query_params
    if q.get("v1") and q.get("v2"):
        from wholepop.ledger import diff as ledger_diff

        v1, v2 = _int(q["v1"], "v1", 1, 10**6), _int(q["v2"], "v2", 1, 10**6)
        diff = ledger_diff(provider.ledger, contract.id, year, v1, v2)
    return _render(request, "settle.html.j2", status=status, provider=provider, prepared=prepared, contract=contract, year=year,
                   statement=statement, position=_position(statement), charts=_statement_charts(statement),
                   records=records, diff=diff, message=message, error=error, page="settle")


@threaded
def settle_post(request: Request) -> Response:
    """Settle the year into the ledger (``wholepop settle --ledger``), with a reason for a
    correction; the ledger's refusal is shown in its own words."""
    from wholepop.ledger import append, provenance

    provider = _provider(request)
    prepared = _ready(request, provider)
    if isinstance(prepared, Response):
        return prepared
    form = request.state.form
    contract = provider.contract()
    year = _int(form.get("year") or "", "year", 1900, 2200)
    statement = prepared.statement(contract, year)
    reason = str(form.get("reason") or "").strip() or None
    prov = provenance(dict(prepared.run.inputs.files), provider.contract_path, __version__)
    try:
        result = append(provider.ledger, statement, prov, correct=reason)
    except UserError as e:
        return _settle_view(request, provider, prepared, year, error=str(e), status=409)
    return _settle_view(request, provider, prepared, year, message=result.message)


# ---------------------------------------------------------------------------------------
# What if
# ---------------------------------------------------------------------------------------


def _whatif_fields(contract) -> list[str]:
    """The money terms the What-if page offers for this contract."""
    names = [t for t in terms.MONEY_TERMS if not t.startswith(("risk_share", "system_share"))]
    share = "risk_share" if contract.risk_share is not None else "system_share" if contract.system_share is not None else None
    if share:
        names += [t for t in terms.MONEY_TERMS if t.startswith(share + ".")]
        rules = getattr(contract, share)
        for which in ("bands", "gain_bands", "loss_bands"):
            bands = getattr(rules, which, None) or ()
            names += [f"{share}.{which}[{i}].{k}" for i in range(len(bands)) for k in ("upto", "provider_share")]
    names += [f"performance.metrics[{i}].{k}" for i in range(len(contract.performance.metrics)) for k in ("weight", "lower", "upper")]
    return names


def _field_of(name: str) -> terms.Field:
    key = name.rsplit(".", 1)[-1]
    for path, fields in terms.ROWS.items():
        if name.startswith(path + "["):
            return next(f for f in fields if f.key == key)
    section = name.split(".", 1)[0]
    return next(f for f in terms.SECTIONS[section] if f.key == key)


@threaded
def whatif_page(request: Request) -> Response:
    provider = _provider(request)
    prepared = _ready(request, provider)
    if isinstance(prepared, Response):
        return prepared
    contract = provider.contract()
    values = terms.contract_to_form(contract.model_dump(mode="python", exclude_none=True))
    names = _whatif_fields(contract)
    year = _year(request, prepared)
    horizon = _horizon(request.query_params.get("horizon"), contract)
    result = _whatif_result(prepared, contract, year, whatif.QUICK_RUNS, horizon)
    return _render(request, "whatif.html.j2", provider=provider, prepared=prepared, contract=contract, values=values,
                   fields=[(n, _field_of(n)) for n in names], year=year, page="whatif",
                   horizons=sorted({contract.contract.term_years, *whatif.HORIZONS}), **result)


def _horizon(raw, contract) -> int:
    """The projection's years: the contract's term, or one of ``whatif.HORIZONS``."""
    allowed = {contract.contract.term_years, *whatif.HORIZONS}
    if raw in (None, ""):
        return max(allowed)
    text = str(raw).strip()
    if not text.isdigit() or int(text) not in allowed:
        raise UserError(f"horizon: expected one of {', '.join(str(h) for h in sorted(allowed))} years, got {text!r}")
    return int(text)


def _whatif_result(prepared: Prepared, contract, year: int, runs: int, horizon: int) -> dict:
    import time

    t0 = time.perf_counter()
    statement = prepared.statement(contract, year)
    t1 = time.perf_counter()
    doc = whatif.project(prepared.projection_base(), contract, runs, horizon=horizon, settled=prepared.facts)
    t2 = time.perf_counter()
    return {"statement": statement, "position": _position(statement), "projection": doc, "fan": _fan(doc),
            "runs": runs, "horizon": horizon, "timing": {"settle_ms": (t1 - t0) * 1000, "project_ms": (t2 - t1) * 1000}, "errors": {}}


@threaded
def whatif_run(request: Request) -> Response:
    """The statement and projection under the terms as the sliders now stand (a fragment
    of the What-if page); nothing is saved."""
    provider = _provider(request)
    ws: Workspace = request.app.state.ws
    saved = provider.contract()
    prepared = ws.cached(provider, saved)
    if prepared is None:
        raise UserError("the provider is not prepared yet; open its Settle page first")
    form = request.state.form
    allowed = set(_whatif_fields(saved))
    changes = {k: v for k, v in form.items() if k in allowed}
    unknown = sorted(k for k in form if k not in allowed and k not in ("year", "runs", "horizon"))
    if unknown:
        raise UserError(f"not a money term of this contract: {', '.join(unknown)} (change it on the Contract page)")
    contract, errors, _ = whatif.with_terms(saved, changes)
    year = _int(form.get("year") or str(prepared.years[0] if prepared.years else 0), "year", 1900, 2200)
    runs = whatif.FULL_RUNS if str(form.get("runs")) == str(whatif.FULL_RUNS) else whatif.QUICK_RUNS
    horizon = _horizon(form.get("horizon"), saved)
    if contract is None:
        return _render(request, "whatif_result.html.j2", status=422, provider=provider, errors=errors, statement=None,
                       year=year, runs=runs)
    result = _whatif_result(prepared, contract, year, runs, horizon)
    return _render(request, "whatif_result.html.j2", provider=provider, year=year, **result)


# ---------------------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------------------


@threaded
def compare_page(request: Request) -> Response:
    from wholepop.projection import compare_forms, default_scenario
    from wholepop.projection.compare import COMPARABLE_FORMS

    provider = _provider(request)
    prepared = _ready(request, provider)
    if isinstance(prepared, Response):
        return prepared
    q = request.query_params
    runs = whatif.FULL_RUNS if q.get("runs") == str(whatif.FULL_RUNS) else whatif.QUICK_RUNS
    known = [f.value for f in COMPARABLE_FORMS]
    chosen = q.getlist("form") or known
    for name in chosen:
        if name not in known:
            raise UserError(f"--forms: unknown or not comparable form {name!r}; expected some of {', '.join(sorted(known))}")
    rows = compare_forms(prepared.projection_base(), chosen, provider.contract(), default_scenario(), runs, 0)
    return _render(request, "compare.html.j2", provider=provider, rows=rows, runs=runs, known=known, chosen=chosen,
                   page="compare")


# ---------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------


def _report_data(request: Request, provider: Provider, prepared: Prepared):
    from wholepop.report.gather import gather_run

    config: ServeConfig = request.app.state.config
    run = dataclasses.replace(prepared.run, contract=provider.contract(), contract_path=provider.contract_path)
    if "://" not in provider.ledger and not Path(provider.ledger).exists():
        raise UserError(f"--ledger: {provider.ledger} does not exist; settle a year on the Settle page first")
    with DUCKDB:
        return gather_run(run, Path(provider.ledger) if "://" not in provider.ledger else provider.ledger,
                          restricted=config.restricted)


@threaded
def download(request: Request) -> Response:
    provider = _provider(request)
    prepared = _ready(request, provider)
    if isinstance(prepared, Response):
        return prepared
    what = request.path_params["what"]
    contract = provider.contract()
    stem = "".join(c if c.isalnum() else "-" for c in contract.name.lower()).strip("-") or "wholepop"
    if what == "statement.json":
        year = _year(request, prepared)
        statement = prepared.statement(contract, year)
        return Response(statement.to_json(), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{stem}-statement-{year}.json"'})
    if what == "projection.json":
        runs = whatif.FULL_RUNS if request.query_params.get("runs") == str(whatif.FULL_RUNS) else whatif.QUICK_RUNS
        horizon = _horizon(request.query_params.get("horizon") or str(contract.contract.term_years), contract)
        doc = whatif.project(prepared.projection_base(), contract, runs, horizon=horizon, settled=prepared.facts)
        return Response(json.dumps(doc, indent=2) + "\n", media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{stem}-projection.json"'})
    if what == "report.html":
        from wholepop.report.html import render_html

        text = render_html(_report_data(request, provider, prepared))
        return Response(text, media_type="text/html",
                        headers={"Content-Disposition": f'attachment; filename="{stem}-report.html"'})
    if what == "workbook.xlsx":
        from wholepop.report.excel import write_excel

        data = _report_data(request, provider, prepared)
        with tempfile.TemporaryDirectory() as tmp:
            body = write_excel(data, Path(tmp) / "statement.xlsx").read_bytes()
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{stem}-statement.xlsx"'})
    raise HTTPException(404, f"no download {what!r}")


# ---------------------------------------------------------------------------------------
# Errors, the token, the size limit
# ---------------------------------------------------------------------------------------


async def _user_error(request: Request, exc: UserError) -> Response:
    if request.headers.get("x-wholepop-fragment"):
        return HTMLResponse(_env.get_template("error_fragment.html.j2").render(message=str(exc)), status_code=400)
    return _render(request, "error.html.j2", status=400, message=str(exc), provider=None)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return _render(request, "error.html.j2", status=exc.status_code, message=str(exc.detail), provider=None)


async def _bug(request: Request, exc: Exception) -> Response:
    traceback.print_exception(exc)
    return HTMLResponse(
        "<!doctype html><title>wholepop: internal error</title><p>internal error: this is a bug in wholepop, "
        "not in your data; the server's console has the details.</p>",
        status_code=500,
    )


class Guard:
    """ASGI middleware: on localhost only requests naming this machine; a token on every
    request when one is set; no form posted from another site; and a cap on request
    bodies (uploads) before anything reads them."""

    COOKIE = "wholepop_token"

    LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")

    def __init__(self, app, token: str | None, max_bytes: int, local_only: bool = True) -> None:
        self.app, self.token, self.max_bytes, self.local_only = app, token, max_bytes, local_only

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if self.local_only and urlsplit("//" + request.headers.get("host", "")).hostname not in self.LOCAL_NAMES:
            return await PlainTextResponse("wholepop: this server answers only to 127.0.0.1 or localhost",
                                           status_code=421)(scope, receive, send)
        if self.token and not self._allowed(request):
            given = request.query_params.get("token")
            if given and hmac.compare_digest(given.encode(), self.token.encode()):
                response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                response.set_cookie(self.COOKIE, given, httponly=True, samesite="strict")
                return await response(scope, receive, send)
            return await PlainTextResponse(
                "wholepop: a token is required (open the address `wholepop serve` printed, with ?token=...)",
                status_code=401)(scope, receive, send)
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD") and origin and urlsplit(origin).netloc != request.headers.get("host"):
            # another site's page posting to this one (a settlement, a saved contract) in the
            # user's browser: refused, whatever the token
            return await PlainTextResponse("wholepop: refused a request sent from another site", status_code=403)(
                scope, receive, send)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            return await self._too_large(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    def _allowed(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        candidates = [request.cookies.get(self.COOKIE, ""), header.removeprefix("Bearer ").strip()]
        return any(c and hmac.compare_digest(c.encode(), self.token.encode()) for c in candidates)

    async def _too_large(self, scope, receive, send) -> None:
        await PlainTextResponse(f"upload too large: at most {self.max_bytes // (1024 * 1024)} MB", status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


# ---------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------


def create_app(config: ServeConfig, workspace: Workspace | None = None) -> Starlette:
    """The app for ``config``; the folders of ``config.data`` are opened (not prepared)."""
    ws = workspace or Workspace(ledger=config.ledger, engine=config.engine)
    for folder in config.data:
        ws.add(folder)
    routes = [
        Route("/", home),
        Route("/providers", providers),
        Route("/providers/open", open_folder, methods=["POST"]),
        Route("/providers/build", build_provider, methods=["POST"]),
        Route("/jobs/{job}.json", job_json),
        Route("/jobs/{job}", job_page),
        Route("/p/{pid}/contract", contract_page),
        Route("/p/{pid}/contract/check", contract_check, methods=["POST"]),
        Route("/p/{pid}/contract/save", contract_save, methods=["POST"]),
        Route("/p/{pid}/contract/upload", contract_upload, methods=["POST"]),
        Route("/p/{pid}/contract.toml", contract_download),
        Route("/p/{pid}/settle", settle_page),
        Route("/p/{pid}/settle", settle_post, methods=["POST"]),
        Route("/p/{pid}/whatif", whatif_page),
        Route("/p/{pid}/whatif", whatif_run, methods=["POST"]),
        Route("/p/{pid}/compare", compare_page),
        Route("/p/{pid}/download/{what}", download),
        Mount("/static", StaticFiles(packages=[("wholepop.web", "static")]), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        ws.close()

    app = Starlette(
        routes=routes,
        exception_handlers={UserError: _user_error, HTTPException: _http_error, Exception: _bug},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.ws = ws
    app.state.catalogue = None
    app.add_middleware(Guard, token=config.token, max_bytes=config.max_upload_mb * 1024 * 1024,
                       local_only=config.local_only)
    return app
