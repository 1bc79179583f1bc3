"""The contract as a web form: every term a named field, and back to TOML.

A field's name is the term's key path in the contract file (``budget.uplift``,
``risk_share.bands[1].provider_share``), so an error line of ``wholepop check``
(``contract.toml budget.uplift: must be ...``) lands beside the field it names.

The form is never validated here: ``form_to_toml`` writes what the user typed as TOML and
``validate`` hands that text to ``contract.parse_contract``, the very function ``check``
and ``settle`` read contracts with. So the page and the CLI cannot disagree about what is
valid, or word it differently.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import tomli_w

from wholepop.contract import Contract
from wholepop.contract.load import parse_contract
from wholepop.errors import ContractError
from wholepop.vocab import Form, NeedWeighting, Service

__all__ = [
    "MONEY_TERMS",
    "ROWS",
    "SECTIONS",
    "Field",
    "contract_to_form",
    "errors_by_field",
    "field_names",
    "form_to_toml",
    "population_terms",
    "validate",
    "warnings_by_field",
]

SOURCE = "contract.toml"
SERVICES = tuple(s.value for s in Service)


@dataclass(frozen=True)
class Field:
    """One term of the contract file.

    Attributes:
        key: the key inside its section (``uplift``), or inside a row (``upto``).
        kind: text, int, number, bool, choice, services, rates (one rate or a list),
            optional (a number that may be left blank), parties (``name = share, ...``).
        label: what the page calls it.
        choices: the allowed values of a ``choice``.
        step, low, high: the slider's range on the What-if page (money terms only).
    """

    key: str
    kind: str
    label: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None


F = Field
_SHARE = (
    F("target_growth", "number", "target growth a year", low=-0.05, high=0.10, step=0.001),
    F("corridor", "number", "corridor (share of target)", low=0, high=0.10, step=0.001),
    F("first_pound", "bool", "share from the first pound outside the corridor"),
    F("cap_gain", "optional", "cap on the provider's gain (share of budget)", low=0, high=0.10, step=0.001),
    F("cap_loss", "optional", "cap on the provider's loss (share of budget)", low=0, high=0.10, step=0.001),
    F("quality_gate", "number", "quality gate (achievement needed for gains)", low=0, high=1, step=0.05),
    F("scale_gains_by_achievement", "bool", "scale gains by performance achievement"),
    F("parties", "parties", "the rest split between (name = share, ...)"),
)

# Section -> its scalar fields, in file order. Optional sections have an "enabled" box.
SECTIONS: dict[str, tuple[Field, ...]] = {
    "contract": (
        F("id", "text", "contract id (stable: the ledger keys on it; blank: the name serves)"),
        F("name", "text", "contract name"),
        F("form", "choice", "form", tuple(f.value for f in Form)),
        F("start_year", "int", "first contract year"),
        F("term_years", "int", "term (years)"),
        F("baseline_year", "int", "baseline year"),
        F("min_population", "int", "minimum population"),
        F("exit_window_years", "int", "exit window every (years)"),
        F("exit_notice_months", "int", "exit notice (months)"),
    ),
    "scope": (F("services", "services", "services inside the budget"),),
    "budget": (
        F("uplift", "rates", "uplift a year (one rate, or one per year: 0.03, 0.025)", low=-0.05, high=0.10, step=0.001),
        F("efficiency", "rates", "efficiency a year (one rate, or one per year)", low=-0.05, high=0.10, step=0.001),
        F("need_weighting", "choice", "need weighting", tuple(n.value for n in NeedWeighting)),
        F("unregistered", "choice", "unregistered allowance", ("baseline", "none")),
        # written as name = value pairs, as parties are (line = component, ...)
        F("components", "parties", "need component per line (line = component, ...; need_weighting = components)"),
    ),
    "performance": (
        F("share", "number", "share of the budget at stake", low=0, high=0.2, step=0.005),
        F("mode", "choice", "mode", ("withhold", "bonus")),
    ),
    "risk_share": (F("basis", "services", "acute lines shared"), *_SHARE),
    "system_share": _SHARE,
    "acute_payment": (
        F("basis", "choice", "how the acute trusts are paid", ("activity", "api")),
        F("fixed", "services", "API fixed element lines"),
        F("variable", "services", "API variable lines (unit prices)"),
        F("cost_uplift", "number", "cost uplift factor a year"),
        F("efficiency_factor", "number", "efficiency factor a year"),
        F("market_forces_factor", "number", "market forces factor"),
        F("fixed_pounds", "optional", "agreed fixed element (£; blank: from the baseline)"),
    ),
    "contingency": (
        F("rate", "number", "commissioner's contingency rate", low=0, high=0.05, step=0.001),
        F("base", "choice", "contingency base", ("budget", "population_spend")),
        F("commissioner_funds", "services", "lines the commissioner funds"),
    ),
    "deficit": (
        F("creditor", "text", "creditor"),
        F("recurrent.amount", "optional", "recurrent deficit, every year (£)"),
        F("recurrent.share", "optional", "provider's share of the recurrent deficit"),
        F("historic.amount", "optional", "historic deficit (£)"),
        F("historic.share", "optional", "provider's share of the historic deficit"),
        F("historic.years", "optional", "historic deficit repaid over (years)"),
        F("historic.first_year", "optional", "first repayment year (blank: the start year)"),
        F("amount", "optional", "older form: deficit transferred (£)"),
        F("years", "optional", "older form: repaid over (years)"),
        F("first_year", "optional", "older form: first repayment year"),
    ),
    "provider": (
        F("organisation", "choice", "organisation holding the contract",
          ("", "nhs_trust", "foundation_trust", "community_interest_company", "limited_company", "llp", "partnership")),
        F("reserves", "optional", "reserves it can lose over the term (£)"),
        F("working_capital", "optional", "working capital (£)"),
    ),
    "segments": (
        F("extensive_care_share", "number", "extensive-care cohort share"),
        F("weight_age_per_decade", "number", "need score: per decade of age"),
        F("weight_condition", "number", "need score: per condition"),
        F("weight_frailty_moderate", "number", "need score: moderate frailty"),
        F("weight_frailty_severe", "number", "need score: severe frailty"),
        F("weight_prior_emergency_admission", "number", "need score: prior emergency admission"),
        F("weight_prior_spend_per_1000_pounds", "number", "need score: per £1,000 prior spend"),
    ),
    "coverage": (
        F("min_rows", "int", "baseline rows a month on a line before an empty month is a gap"),
    ),
}
OPTIONAL_SECTIONS = ("risk_share", "system_share", "deficit", "provider")

# Repeated rows (arrays of tables): section.key -> the row's fields.
ROWS: dict[str, tuple[Field, ...]] = {
    "performance.metrics": (
        F("id", "text", "metric"),
        F("weight", "number", "weight", low=0, high=1, step=0.05),
        F("lower", "number", "lower threshold (achievement 0)"),
        F("upper", "number", "upper threshold (achievement 1)"),
        F("gateway", "bool", "gateway"),
        F("standardise", "text", "standardise: none, or age_sex (a rate metric scored as observed / expected x 100)"),
    ),
    "risk_share.bands": (
        F("upto", "number", "band up to (share of target)", low=0.005, high=1, step=0.005),
        F("provider_share", "number", "provider's share", low=0, high=1, step=0.05),
    ),
    "system_share.bands": (
        F("upto", "number", "band up to (share of target)", low=0.005, high=1, step=0.005),
        F("provider_share", "number", "provider's share", low=0, high=1, step=0.05),
    ),
}
# Top-level arrays of tables (no section): the funders of a pooled budget.
ROWS["funders"] = (
    F("name", "text", "funder"),
    F("lines", "services", "lines it funds (the first funder: every line no other lists)"),
    F("uplift", "rates", "its own uplift (blank: [budget]'s)"),
    F("efficiency", "rates", "its own efficiency (blank: [budget]'s)"),
    F("contingency", "optional", "its reserve rate (blank: [contingency]'s)"),
)
# Gains and losses may have bands of their own (blank: ``bands`` serves both).
for _share in ("risk_share", "system_share"):
    for _which in ("gain_bands", "loss_bands"):
        ROWS[f"{_share}.{_which}"] = ROWS[f"{_share}.bands"]

# The terms the What-if page moves: they change only the money rules, never who is
# counted or how, so the cached money facts stay valid (``population_terms``).
MONEY_TERMS = (
    "budget.uplift", "budget.efficiency", "performance.share", "contingency.rate",
    *(f"{s}.{k}" for s in ("risk_share", "system_share")
      for k in ("target_growth", "corridor", "cap_gain", "cap_loss", "quality_gate")),
)


def population_terms(contract: Contract) -> dict:
    """The terms that decide who counts and how (the calendar, need weighting, the
    segmentation): a change to any of them rebuilds the population; any other term only
    re-runs the money rules on the cached facts."""
    calendar = ("start_year", "term_years", "baseline_year", "exit_window_years", "exit_notice_months")
    return {
        "contract": {k: getattr(contract.contract, k) for k in calendar},
        "need_weighting": contract.budget.need_weighting.value,
        "segments": contract.segments.model_dump(mode="json"),
    }


# ----------------------------------------------------------------------------------------
# Contract -> form values
# ----------------------------------------------------------------------------------------


def _shown(value: object) -> str | list[str] | bool:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (Decimal, int, float)) for v in value):
            return ", ".join(str(v) for v in value)
        return [str(getattr(v, "value", v)) for v in value]
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    return str(getattr(value, "value", value))


def contract_to_form(doc: Mapping) -> dict[str, object]:
    """Form values (name -> text, list of choices or bool) of a contract document (a
    parsed TOML dict or ``Contract.model_dump()``)."""
    values: dict[str, object] = {}
    for section, fields in SECTIONS.items():
        part = doc.get(section)
        if section in OPTIONAL_SECTIONS:
            values[f"{section}.enabled"] = part is not None
        part = part or {}
        for f in fields:
            values[f"{section}.{f.key}"] = _shown(_get(part, f.key))
        for key, value in part.items():  # a term this form does not name yet: kept, as TOML text
            if key not in _known(section) and value is not None and not isinstance(value, (dict, list, tuple)):
                values[f"{section}.{key}"] = _literal(value)
    for path, fields in ROWS.items():
        if "." in path:
            section, key = path.split(".")
            found = (doc.get(section) or {}).get(key)
        else:  # a top-level array of tables
            found = doc.get(path)
        for i, row in enumerate(found or ()):
            for f in fields:
                values[f"{path}[{i}].{f.key}"] = _shown(row.get(f.key))
    for key, value in (doc.get("mssp") or {}).items():
        # the MSSP terms are loose (validated by the MSSP rules): shown as TOML writes them
        values[f"mssp.{key}"] = _literal(value)
    return values


def _known(section: str) -> set[str]:
    """The top-level keys of ``section`` that have fields (or rows) of their own."""
    keys = {f.key.split(".")[0] for f in SECTIONS.get(section, ())}
    return keys | {path.split(".", 1)[1] for path in ROWS if path.startswith(section + ".")}


def extra_terms(values: Mapping[str, object], section: str) -> list[str]:
    """Fields of terms the file has that this form does not name (shown as TOML text)."""
    return sorted(n for n in values if n.startswith(section + ".") and n[len(section) + 1:].isidentifier()
                  and n[len(section) + 1:] not in _known(section) and n[len(section) + 1:] != "enabled")


def _literal(value: object) -> str:
    """A scalar as the contract file writes it (true/false; an enum's value; numbers as is)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def _get(part: Mapping, key: str) -> object:
    """``part["historic"]["years"]`` for ``"historic.years"``; None where absent."""
    for k in key.split("."):
        if not isinstance(part, Mapping) or k not in part:
            return None
        part = part[k]
    return part


def row_count(values: Mapping[str, object], path: str) -> int:
    """How many rows of ``path`` the values hold."""
    found = [int(m.group(1)) for name in values if (m := re.match(re.escape(path) + r"\[(\d+)\]\.", name))]
    return max(found) + 1 if found else 0


# ----------------------------------------------------------------------------------------
# Form -> TOML
# ----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _number(text: str, kind: str) -> object:
    """What the user typed as TOML would read it: a number where it is one, else the text
    (which the contract's own validation then rejects in ``check``'s words)."""
    t = text.strip().replace(",", "") if kind in ("int", "number", "optional") else text.strip()
    if _NUMBER.match(t):
        if re.fullmatch(r"[+-]?\d+", t):
            return int(t)
        try:
            return Decimal(t)
        except InvalidOperation:  # pragma: no cover  (the pattern admits only numbers)
            return t
    return t


def _value(f: Field, form: Mapping[str, object], name: str) -> object:
    raw = form.get(name)
    if isinstance(raw, list) and f.kind != "services":
        raw = raw[-1]  # a checkbox posts its hidden "false" and then, when ticked, "true"
    if f.kind == "bool":
        return raw in (True, "on", "true", "1", "yes")
    if f.kind == "services":
        return [v for v in (raw if isinstance(raw, list) else [raw] if raw else []) if v]
    text = "" if raw is None else str(raw)
    if not text.strip():
        return None
    if f.kind == "rates":
        parts = [p for p in text.split(",") if p.strip()]
        values = [_number(p, "number") for p in parts]
        return values[0] if len(values) == 1 else values
    if f.kind == "parties":
        parties = {}
        for part in text.split(","):
            name, _, share = part.partition("=")
            if name.strip():
                parties[name.strip()] = _number(share, "number")
        return parties
    return _number(text, f.kind)


def form_to_doc(form: Mapping[str, object]) -> dict:
    """The contract document the form describes (blank fields are left out, so the
    contract's defaults apply or its "required key is missing" error shows)."""
    doc: dict[str, dict] = {}
    for section, fields in SECTIONS.items():
        if section in OPTIONAL_SECTIONS and not _value(F("enabled", "bool", ""), form, f"{section}.enabled"):
            continue
        part: dict = {}
        for f in fields:
            v = _value(f, form, f"{section}.{f.key}")
            if v is not None and not (f.kind == "services" and not v and section != "scope"):
                *inner, last = f.key.split(".")
                target = part
                for k in inner:  # a nested table, e.g. deficit.historic
                    target = target.setdefault(k, {})
                target[last] = v
        for name, raw in form.items():
            key = name[len(section) + 1:] if name.startswith(section + ".") else None
            if key and key.isidentifier() and key not in _known(section) and key != "enabled" and str(raw).strip():
                part[key] = _mssp_value(str(raw))
        doc[section] = part
    for path, fields in ROWS.items():
        section, _, key = path.partition(".")
        if key and section not in doc:
            continue
        rows = []
        for i in range(row_count(form, path)):
            row = {f.key: v for f in fields if (v := _value(f, form, f"{path}[{i}].{f.key}")) not in (None, [])}
            # a row whose every box is blank (the spare row for adding one) is no row
            if any(f.kind != "bool" and f.key in row for f in fields):
                rows.append(row)
        if rows and key:
            doc[section][key] = rows
        elif rows:
            doc[section] = rows
    mssp = {name.split(".", 1)[1]: _mssp_value(str(v)) for name, v in form.items() if name.startswith("mssp.")}
    if mssp:
        doc["mssp"] = mssp
    if doc.get("scope") == {}:
        doc.pop("scope")
    return doc


def _mssp_value(text: str) -> object:
    try:
        return tomllib.loads(f"v = {text}", parse_float=Decimal)["v"]
    except tomllib.TOMLDecodeError:
        return text


def form_to_toml(form: Mapping[str, object]) -> str:
    """The contract file the form describes."""
    return tomli_w.dumps(form_to_doc(form))


# ----------------------------------------------------------------------------------------
# Validation, in check's words
# ----------------------------------------------------------------------------------------


def validate(text: str) -> tuple[Contract | None, list[str]]:
    """Parse contract TOML as ``check`` does: the contract, or each error line."""
    try:
        return parse_contract(text, SOURCE), []
    except ContractError as e:
        return None, str(e).splitlines()


def _parent(path: str) -> str:
    """``a.b[2].c`` -> ``a.b[2]`` -> ``a.b`` -> ``a`` -> ``""``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def field_names(values: Mapping[str, object]) -> set[str]:
    """Where an error can be shown: each field, each group of rows, each section."""
    rows = {_parent(name) for name in values if "[" in name}
    return set(values) | rows | set(ROWS) | set(SECTIONS) | {"mssp"}


def errors_by_field(lines: list[str], names: set[str]) -> dict[str, list[str]]:
    """Each error line under the field (or row, or section) whose key path it names;
    lines naming none go under ``""``. Lines keep ``check``'s words in full."""
    out: dict[str, list[str]] = {}
    for line in lines:
        text = line.removeprefix(SOURCE + " ")
        path = text.split(":", 1)[0] if ":" in text else ""
        out.setdefault(_place(path, names), []).append(line)
    return out


def _place(path: str, names: set[str]) -> str:
    """The field, row or section nearest ``path`` that the page shows; else ``""``."""
    while path and path not in names:
        path = _parent(path)
    return path


def warnings_by_field(contract: Contract, names: set[str]) -> dict[str, list[str]]:
    """The contract's warnings (``Contract.warnings``) as ``check`` prints them, by field."""
    from wholepop.inputs.problems import Problem, Severity

    out: dict[str, list[str]] = {}
    for key, message in contract.warnings():
        line = str(Problem("contract", None, key, message, Severity.WARNING, ("money",)))
        out.setdefault(_place(key, names), []).append(line)
    return out
