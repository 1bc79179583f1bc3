"""The projection scenario: one TOML file, validated like the contract (errors name key paths).

A scenario says how the registered population changes (mortality, births, migration),
how cost per head trends by service line, what performance achievement to assume, and
which levers the provider pulls: each with an effect range (low, high), a cost and a
ramp-up. ``default_scenario.toml`` beside this module is the commented default
(``wholepop init-scenario`` prints it). Numbers are parsed as ``Decimal``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wholepop.contract.load import parse_toml_model
from wholepop.errors import ContractError
from wholepop.vocab import Segment, Service

__all__ = [
    "Lever",
    "Noise",
    "PopulationChange",
    "Scenario",
    "ScenarioTerms",
    "Trend",
    "default_scenario",
    "default_scenario_text",
    "load_scenario",
    "parse_scenario",
]

Fraction = Annotated[Decimal, Field(ge=0, le=1)]
Pounds = Annotated[Decimal, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioTerms(_Frozen):
    """``[scenario]``: name, horizon and the money assumptions."""

    name: str = "scenario"
    horizon_years: Annotated[int, Field(ge=1, le=40)] | None = None
    expected_achievement: Fraction = Decimal("0.75")
    discount_rate: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.035")


class PopulationChange(_Frozen):
    """``[population]``: rates that age the registered list one year at a time."""

    mortality_scale: Annotated[Decimal, Field(ge=0, le=5)] = Decimal("1")
    birth_rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.1"))] = Decimal("0.010")
    male_birth_share: Fraction = Decimal("0.512")
    leaving_rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.5"))] = Decimal("0.03")
    net_migration: Annotated[Decimal, Field(ge=Decimal("-0.5"), le=Decimal("0.5"))] = Decimal("0.004")

    @model_validator(mode="after")
    def _joiners_not_negative(self) -> PopulationChange:
        if self.leaving_rate + self.net_migration < 0:
            raise ValueError(
                f"net_migration: {self.net_migration} would need more leavers than leaving_rate {self.leaving_rate}"
            )
        return self


class Trend(_Frozen):
    """``[trend]``: growth a year in cost per head, by service line, and its uncertainty."""

    rate: Annotated[Decimal, Field(ge=Decimal("-0.5"), le=Decimal("0.5"))] = Decimal("0.03")
    sd: Annotated[Decimal, Field(ge=0, le=Decimal("0.2"))] = Decimal("0.005")
    services: dict[Service, Annotated[Decimal, Field(ge=Decimal("-0.5"), le=Decimal("0.5"))]] = Field(
        default_factory=dict
    )

    def rate_for(self, service: Service) -> Decimal:
        return self.services.get(service, self.rate)


class Noise(_Frozen):
    """``[noise]``: random variation drawn in Monte Carlo runs."""

    activity: bool = True


class Lever(_Frozen):
    """``[[levers]]``: an intervention with an effect range, a cost and a ramp-up.

    Kinds:
        reduce: removes ``effect`` of the spend on ``services`` of people in ``cohort``.
        shift: moves ``effect`` of that activity to service ``to``, where it costs
            ``unit_cost_ratio`` of what it cost before.
        prevent: lowers by ``effect`` the yearly onset into care level ``into`` among
            the people in ``cohort`` (those it is offered to); people kept out of ``into``
            cost what the cohort costs instead (all service lines).
    """

    name: str
    kind: Literal["reduce", "shift", "prevent"]
    cohort: tuple[Segment, ...] = ()
    services: tuple[Service, ...] = ()
    effect: tuple[Fraction, Fraction]
    cost_per_person: Pounds = Decimal("0")
    fixed_cost: Pounds = Decimal("0")
    ramp_years: Annotated[int, Field(ge=0, le=40)] = 3
    start_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    to: Service | None = None
    unit_cost_ratio: Annotated[Decimal, Field(ge=0, le=5)] | None = None
    into: Segment | None = None

    @property
    def low(self) -> Decimal:
        return self.effect[0]

    @property
    def high(self) -> Decimal:
        return self.effect[1]

    @model_validator(mode="after")
    def _kind_fields(self) -> Lever:
        errors = []
        if self.effect[0] > self.effect[1]:
            errors.append(f"effect: low {self.effect[0]} is above high {self.effect[1]}")
        if self.kind in ("reduce", "shift") and not self.services:
            errors.append(f"services: a {self.kind} lever needs at least one service line")
        if self.kind == "shift":
            if self.to is None:
                errors.append("to: a shift lever needs the service line the activity moves to")
            elif self.to in self.services:
                errors.append(f"to: {self.to.value!r} is also in services")
            if self.unit_cost_ratio is None:
                errors.append("unit_cost_ratio: a shift lever needs the moved activity's cost ratio")
        elif self.to is not None or self.unit_cost_ratio is not None:
            errors.append("to: only a shift lever moves activity (to, unit_cost_ratio)")
        if self.kind == "prevent":
            if self.into is None:
                errors.append("into: a prevent lever needs the care level whose onset it lowers")
            elif self.into in self.cohort:
                errors.append(f"into: {self.into.value!r} is also in cohort")
            if not self.cohort:
                errors.append("cohort: a prevent lever needs the care levels it is offered to")
            if self.services:
                errors.append("services: a prevent lever acts on every service line; leave services out")
        elif self.into is not None:
            errors.append("into: only a prevent lever has into")
        if errors:
            raise ValueError("\n".join(errors))
        return self


class Scenario(_Frozen):
    """A whole scenario file."""

    scenario: ScenarioTerms = ScenarioTerms()
    population: PopulationChange = PopulationChange()
    trend: Trend = Trend()
    noise: Noise = Noise()
    levers: tuple[Lever, ...] = ()

    @property
    def name(self) -> str:
        return self.scenario.name

    @model_validator(mode="after")
    def _levers_add_up(self) -> Scenario:
        # Lever effects add on a cell's spend; keeping the highs on any one line at most 1
        # means no draw can take spend below zero.
        errors = []
        names = [lever.name for lever in self.levers]
        for i, lever in enumerate(self.levers):
            if names.index(lever.name) != i:
                errors.append(f"levers[{i}].name: {lever.name!r} is listed twice")
        for service in Service:
            total = sum((lv.high for lv in self.levers if lv.kind != "prevent" and service in lv.services), Decimal(0))
            if total > 1:
                errors.append(f"levers: the high effects of the levers on {service.value!r} add up to {total}, more than 1")
        if errors:
            raise ValueError("\n".join(errors))
        return self


def parse_scenario(text: str, source: str = "scenario.toml") -> Scenario:
    """Validate scenario TOML text; ``source`` prefixes every error line.

    Raises:
        ContractError: not TOML, or a key breaks a rule (one line per problem, with its key path).
    """
    return parse_toml_model(text, Scenario, source, _join_key)


def _join_key(line: str) -> str:
    # A model's own rule names its field ("levers[0]: effect: ..."): make it one key path.
    return re.sub(r"^(\S+): ([a-z_]+): ", r"\1.\2: ", line)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ContractError: the file is missing, not TOML, or breaks a rule.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ContractError(f"{path}: cannot read the scenario file ({e.strerror})") from None
    return parse_scenario(text, source=path.name)


def default_scenario_text() -> str:
    """The commented default scenario (package data)."""
    return (resources.files("wholepop.projection") / "default_scenario.toml").read_text(encoding="utf-8")


def default_scenario() -> Scenario:
    return parse_scenario(default_scenario_text(), source="default_scenario.toml")
