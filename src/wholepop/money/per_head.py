"""Budget-only mode: a whole-population budget from published lists and per-head prices.

With no patient-level data, only ``list_counts`` (and, optionally, ``weights``), the
budget of contract year ``y`` is, for each in-scope service line ``s``:

    budget_s(y) = sum over member practices p of
                  sum over (sex, age band) cells c of  patients(p, c) x price_s(c)
                  x need_p x uplift(price_year -> y)

* ``patients(p, c)``: the practice's latest published counts (a practice that publishes
  only a total is spread over England's pyramid, as ``wholepop build`` does:
  ``population.cells.age_sex_cells``).
* ``price_s(c)``: pounds per registered person a year, from a price table the user
  supplies (``load_prices``; an ILLUSTRATIVE one ships as
  ``wholepop/money/data/illustrative_per_head.toml``).
* ``need_p``: 1, or with ``scale_by_weights`` the practice's supplied need weight, its
  ``overall`` weighted population over its ``registered`` list (the rule of
  ``need_weighting = "supplied"``; practices without both weigh 1). NHS England's
  weights already hold age, so with age-banded prices age counts twice: scale by weights
  with a price table that is flat across ages, or not at all.
* ``uplift``: the contract's growth rule, (1 + uplift) x (1 - efficiency) for each year
  from the price year to ``y`` (rates indexed as ``money.budget.growth`` indexes them;
  years before the baseline use the first rate). With prices in the baseline year it is
  exactly ``money.budget.growth(contract, y)``.
* Member practices: those with a membership on 1 April of ``y`` (every practice of the
  lists when the folder has no memberships). In a mixed economy ``primary_medical``
  covers only practices whose integration is ``full``, as in the full budget.

Money is exact: prices are whole pence, so a practice's raw amount is an integer; the
need weight and uplift are applied in ``Decimal``; each service line's total is rounded
once (``to_pence``) and then allocated to practices by their exact amounts with
``allocate`` (largest remainder), so practice and hub amounts sum to the line to the penny.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wholepop.contract.calendar import year_start
from wholepop.contract.model import Contract
from wholepop.errors import InputError
from wholepop.inputs.problems import Problem
from wholepop.money.budget import eligible
from wholepop.money.pence import ONE, ZERO, D, allocate, to_pence
from wholepop.population.cells import age_sex_cells
from wholepop.population.months import AGE_BANDS
from wholepop.vocab import Integration, Service

__all__ = [
    "ILLUSTRATIVE",
    "PerHeadBudget",
    "PracticeBudget",
    "PriceTable",
    "ServiceBudget",
    "illustrative_path",
    "load_prices",
    "per_head_budget",
    "uplift",
]

ILLUSTRATIVE = "illustrative"  # what --per-head takes for the shipped table
_SEXES = ("F", "M", "U")


def illustrative_path() -> Path:
    """The shipped ILLUSTRATIVE price table."""
    return Path(str(resources.files("wholepop.money") / "data" / "illustrative_per_head.toml"))


@dataclass(frozen=True)
class PriceTable:
    """Per-head prices by service line, sex and age band.

    Attributes:
        source: the file read.
        title: its title.
        status: its status line (``ILLUSTRATIVE`` for the shipped table).
        price_year: the contract year the prices are in.
        half_pence: service -> int64 array (3 sexes F/M/U, 20 bands) of prices in half
            pence (twice the pence), so that U's mean of F and M stays a whole number.
    """

    source: str
    title: str
    status: str
    price_year: int
    half_pence: Mapping[Service, np.ndarray]

    def pounds(self, service: Service, sex: str, band: str) -> Decimal:
        """A price in pounds (for display and tests)."""
        return D(int(self.half_pence[service][_SEXES.index(sex), AGE_BANDS.index(band)])) / 200


def _price_pence(value: object, where: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InputError((Problem(source, None, where, f"{value!r} is not a price (expected pounds, e.g. 152.40)"),))
    pence = D(value) * 100
    if pence != pence.to_integral_value() or pence < 0:
        raise InputError((Problem(source, None, where, f"{value} is not a price in whole pence of 0 or more (at most two decimal places)"),))
    return int(pence)


def load_prices(path: str | Path) -> PriceTable:
    """Read a per-head price table (the layout of the shipped illustrative table).

    Raises:
        InputError: naming the file and key path of anything that is not as expected.
    """
    if str(path) == ILLUSTRATIVE:
        path = illustrative_path()
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise InputError((Problem(str(path), None, None, "no such file"),))
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise InputError((Problem(source, None, None, f"not valid TOML ({e})"),)) from None
    year = doc.get("price_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise InputError((Problem(source, None, "price_year", f"expected a year such as 2024, got {year!r}"),))
    bands = tuple(doc.get("bands", AGE_BANDS))
    if bands != AGE_BANDS:
        raise InputError((Problem(source, None, "bands", f"expected the 20 bands {', '.join(AGE_BANDS)} in this order"),))
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        raise InputError((Problem(source, None, "services", "expected one [services.<line>] table per service line"),))
    prices: dict[Service, np.ndarray] = {}
    for name, rows in services.items():  # fifteen service lines at most
        where = f"services.{name}"
        try:
            service = Service(name)
        except ValueError:
            raise InputError((Problem(source, None, where, f"{name!r} is not a service line (expected one of {', '.join(Service)})"),)) from None
        if not isinstance(rows, dict) or not set(rows) <= {"F", "M", "all"} or not rows:
            raise InputError((Problem(source, None, where, "expected lists named F and M, or all"),))
        lists = {}
        for sex, values in rows.items():
            if not isinstance(values, list) or len(values) != len(AGE_BANDS):
                got = len(values) if isinstance(values, list) else repr(values)
                raise InputError((Problem(source, None, f"{where}.{sex}", f"expected {len(AGE_BANDS)} prices (one per band), got {got}"),))
            lists[sex] = np.array([_price_pence(v, f"{where}.{sex}[{i}]", source) for i, v in enumerate(values)], np.int64)
        if ("F" not in lists or "M" not in lists) and "all" not in lists:
            raise InputError((Problem(source, None, where, "give both F and M, or all"),))
        f = lists.get("F", lists.get("all"))
        m = lists.get("M", lists.get("all"))
        u = 2 * lists["all"] if "all" in lists else f + m
        prices[service] = np.stack([2 * f, 2 * m, u])
    return PriceTable(str(path), str(doc.get("title", "")), str(doc.get("status", "")), year, prices)


def uplift(contract: Contract, price_year: int, year: int) -> Decimal:
    """Growth of prices from ``price_year`` to ``year`` under the contract's growth rule."""
    base = contract.contract.baseline_year
    g = ONE
    for t in range(min(price_year, year) + 1, max(price_year, year) + 1):  # years, not rows
        k = max(t - base - 1, 0)
        g *= (ONE + contract.budget.rate("uplift", k)) * (ONE - contract.budget.rate("efficiency", k))
    return g if year >= price_year else ONE / g


@dataclass(frozen=True)
class ServiceBudget:
    """One service line's budget: ``amount_pence`` and the numbers it came from."""

    service: Service
    amount_pence: int
    basis: str


@dataclass(frozen=True)
class PracticeBudget:
    """One practice's share of the budget.

    Attributes:
        practice_code, hub, integration: the practice.
        registered: patients on its latest list.
        need_weight: its supplied weight (overall / registered), 1 without one.
        amount_pence: its budget over the in-scope lines (allocated, exact).
    """

    practice_code: str
    hub: str
    integration: str
    registered: int
    need_weight: Decimal
    amount_pence: int


@dataclass(frozen=True)
class PerHeadBudget:
    """A budget-only result for one contract year.

    Attributes:
        year: the contract year.
        prices: the price table's source, title and status.
        uplift: growth from the price year to ``year``.
        scaled_by_weights: whether need weights scaled the amounts.
        services: one line per in-scope service.
        practices: per practice (their amounts sum to ``total_pence``).
        hubs: hub -> pence (sums to ``total_pence``).
        total_pence: the budget.
        registered: patients on the lists.
        weighted_population: registered x need weight, summed (registered without weights).
    """

    year: int
    prices: PriceTable
    uplift: Decimal
    scaled_by_weights: bool
    services: tuple[ServiceBudget, ...]
    practices: tuple[PracticeBudget, ...]
    hubs: Mapping[str, int]
    total_pence: int
    registered: int
    weighted_population: Decimal

    def per_head_pence(self, weighted: bool = False) -> Decimal:
        """Budget per registered (or weighted) head, in exact (unrounded) pence."""
        heads = self.weighted_population if weighted else D(self.registered)
        return D(self.total_pence) / heads if heads else ZERO

    def to_json(self) -> dict:
        """A JSON-ready dict (money in pence as integers, ratios as decimal strings)."""
        return {
            "year": self.year,
            "prices": {"source": self.prices.source, "title": self.prices.title, "status": self.prices.status,
                       "price_year": self.prices.price_year},
            "uplift": str(self.uplift),
            "scaled_by_weights": self.scaled_by_weights,
            "total_pence": self.total_pence,
            "registered": self.registered,
            "weighted_population": str(self.weighted_population),
            "per_head_pence": to_pence(self.per_head_pence()),
            "per_weighted_head_pence": to_pence(self.per_head_pence(weighted=True)),
            "services": [{"service": s.service.value, "amount_pence": s.amount_pence, "basis": s.basis} for s in self.services],
            "hubs": dict(self.hubs),
            "practices": [
                {"practice_code": p.practice_code, "hub": p.hub, "integration": p.integration, "registered": p.registered,
                 "need_weight": str(p.need_weight), "amount_pence": p.amount_pence}
                for p in self.practices
            ],
        }


def _members(practices: pa.Table, memberships: pa.Table | None, contract: Contract, year: int) -> tuple[list[str], list[str], list[str]]:
    """(codes, hubs, integrations) of the member practices on 1 April of ``year``, by the
    population stage's membership rule (``population.spans.members_on``)."""
    from wholepop.population.spans import members_on

    hub_of = dict(zip(practices["practice_code"].to_pylist(), practices["hub"].to_pylist()))
    if memberships is None or memberships.num_rows == 0:
        codes = sorted(hub_of)
        return codes, [hub_of[c] for c in codes], [Integration.FULL.value] * len(codes)
    m = members_on(ibis.memtable(memberships), contract, year_start(year)).to_pyarrow().sort_by("practice_code")
    codes = m["practice_code"].to_pylist()
    return codes, [hub_of.get(c, "") for c in codes], m["integration"].to_pylist()


def _need_weights(weights: pa.Table | None, codes: list[str]) -> list[Decimal]:
    """overall / registered per practice (``population.weights.supplied_need_weights``, kept
    exact here), else 1."""
    from wholepop.population.weights import supplied_need_weights

    if weights is None or weights.num_rows == 0:
        return [ONE] * len(codes)
    rows = supplied_need_weights(ibis.memtable(weights)).to_pyarrow().to_pylist()  # one row per practice
    best = {r["practice_code"]: D(r["overall"]) / D(r["registered"]) for r in rows}
    return [best.get(c, ONE) for c in codes]


def per_head_budget(
    list_counts: pa.Table,
    practices: pa.Table,
    prices: PriceTable,
    contract: Contract,
    year: int,
    weights: pa.Table | None = None,
    memberships: pa.Table | None = None,
    scale_by_weights: bool = False,
) -> PerHeadBudget:
    """The budget of contract ``year`` from published lists and per-head prices.

    Args:
        list_counts: practice_code, sex, age_band, patients, extract_date.
        practices: practice_code, hub.
        prices: ``load_prices``.
        contract: the contract (its in-scope lines, growth rule and baseline).
        year: the contract year.
        weights: NHS England weighted populations (practice_code, component,
            weighted_population, year), for the weighted population and ``scale_by_weights``.
        memberships: practice_code, from_date, to_date, integration (None or empty: every
            practice, ``full``).
        scale_by_weights: multiply each practice's amount by its need weight.

    Raises:
        InputError: an in-scope service line has no prices, or no member practice has a list.
    """

    services = contract.budget_services
    missing = [s.value for s in services if s not in prices.half_pence]
    if missing:
        raise InputError((Problem(Path(prices.source).name, None, "services", f"no prices for the in-scope line(s) {', '.join(missing)}"),))
    codes, hubs, integration = _members(practices, memberships, contract, year)
    listed = set(pc.unique(list_counts["practice_code"]).to_pylist())
    keep = [i for i, c in enumerate(codes) if c in listed]  # practices, not patients
    codes, hubs, integration = [codes[i] for i in keep], [hubs[i] for i in keep], [integration[i] for i in keep]
    if not codes:
        raise InputError((Problem("list_counts", None, "practice_code", f"no member practice in {year} has a list"),))
    counts, _, _ = age_sex_cells(list_counts, codes)  # (practices, 3, 20)
    registered = counts.sum(axis=(1, 2))
    need = _need_weights(weights, codes)
    factor = need if scale_by_weights else [ONE] * len(codes)
    g = uplift(contract, prices.price_year, year)

    lines: list[ServiceBudget] = []
    per_practice = [0] * len(codes)
    for service in services:  # in-scope service lines
        raw_half = np.einsum("psb,sb->p", counts, prices.half_pence[service])  # exact int64
        who = eligible(service)
        ok = [who is None or i in who for i in integration]
        exact = [D(int(h)) / 2 * f * g if o else ZERO for h, f, o in zip(raw_half, factor, ok)]
        total = to_pence(sum(exact, ZERO))
        shares = allocate(total, exact)
        per_practice = [a + b for a, b in zip(per_practice, shares)]
        raw_total = D(int(raw_half[np.array(ok, bool)].sum())) / 2
        scope = " (practices with full integration only)" if who else ""
        lines.append(ServiceBudget(
            service, total,
            f"list counts x {prices.price_year} prices = {raw_total:,} p{scope}"
            + (" x need weights" if scale_by_weights else "")
            + f" x uplift {g:.6f} ({prices.price_year} to {year})",
        ))
    hubs_pence: dict[str, int] = {}
    for h, a in zip(hubs, per_practice):  # practices
        hubs_pence[h] = hubs_pence.get(h, 0) + a
    practice_rows = tuple(
        PracticeBudget(c, h, i, int(r), w, a) for c, h, i, r, w, a in zip(codes, hubs, integration, registered, need, per_practice)
    )
    return PerHeadBudget(
        year=year,
        prices=prices,
        uplift=g,
        scaled_by_weights=scale_by_weights,
        services=tuple(lines),
        practices=practice_rows,
        hubs=dict(sorted(hubs_pence.items())),
        total_pence=sum(s.amount_pence for s in lines),
        registered=int(registered.sum()),
        weighted_population=sum((D(int(r)) * w for r, w in zip(registered, need)), ZERO),
    )



