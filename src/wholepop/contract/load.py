"""Reading a contract file: TOML in, a frozen ``Contract`` out, or errors naming key paths."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from wholepop.contract.model import Contract
from wholepop.errors import ContractError
from wholepop.vocab import Form

__all__ = ["load_contract", "parse_contract", "parse_toml_model"]

M = TypeVar("M", bound=BaseModel)


def load_contract(path: str | Path) -> Contract:
    """Read and validate a contract file, every table included: an ``[mssp]`` table (an
    ``aco`` contract's, or one on another form, which is an error) is checked here by the
    MSSP rules' own validator, so ``check`` and ``settle`` refuse it before any data is read.

    Raises:
        ContractError: the file is missing, is not TOML, or breaks a rule; the message
            holds one line per problem, each starting with the file and key path.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ContractError(f"{path}: cannot read the contract file ({e.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ContractError(f"{path.name} line {line}: not UTF-8 text (save the file as UTF-8)") from None
    contract = parse_contract(text, source=path.name)
    if contract.mssp is not None or contract.form is Form.ACO:
        from wholepop.contract.mssp_terms import mssp_terms  # the US rules validate their own table

        try:
            mssp_terms(contract)
        except ContractError as e:
            raise ContractError("\n".join(f"{path.name} {line}" for line in str(e).splitlines())) from None
    return contract


def parse_contract(text: str, source: str = "contract.toml") -> Contract:
    """Validate contract TOML text; ``source`` prefixes every error line. (The ``[mssp]``
    table is left to ``load_contract`` and ``money.mssp.mssp_terms``.)"""
    return parse_toml_model(text, Contract, source)


def parse_toml_model(text: str, model: type[M], source: str, tidy: Callable[[str], str] = lambda line: line) -> M:
    """TOML text (numbers as ``Decimal``) validated into ``model``: the contract and the
    projection scenario both load this way.

    Raises:
        ContractError: not TOML, or one line per broken rule, ``<source> <key path>: <message>``
            (``tidy`` may reword each line).
    """
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise ContractError(f"{source}: not valid TOML ({e})") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ContractError("\n".join(f"{source} {tidy(line)}" for line in _lines(e, model))) from None


def _lines(error: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    lines: list[str] = []
    # A union (a rate or a list of rates) fails once per member at the same key path:
    # one line saying what any of them would have taken.
    expected: dict[str, list[str]] = {}
    got: dict[str, object] = {}
    for err in error.errors():
        path = _key_path(err["loc"])
        msg = err["msg"]
        if err["type"] == "value_error":
            # Cross-field rules already name their own key paths, one per line.
            text = str(err.get("ctx", {}).get("error", msg))
            for rule in text.splitlines():
                lines.append(rule if not path else f"{path}: {rule}")
            continue
        if err["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key{_did_you_mean(model, err['loc'])}")
            continue
        if err["type"] == "missing":
            lines.append(f"{path}: required key is missing")
            continue
        if path not in expected:
            expected[path] = []
            got[path] = err["input"]
            lines.append(path)  # placeholder, filled below in order
        what = _tidy(msg)
        if what not in expected[path]:
            expected[path].append(what)
    out = []
    for line in lines:
        if line in expected:
            wanted = expected[line]
            if all(w.startswith("must be ") for w in wanted):
                wanted = ["must be " + " or ".join(w.removeprefix("must be ") for w in wanted)]
            out.append(f"{line}: {'; '.join(wanted)}, got {_shown(got[line])}")
        else:
            out.append(line)
    return out


# pydantic's words for a wrong type, as a contract's author would say what is expected.
_EXPECTED = (
    ("must be a valid decimal", "must be a number"),
    ("must be a valid number", "must be a number"),
    ("must be a valid tuple", "must be a list in square brackets"),
    ("must be a valid list", "must be a list in square brackets"),
    ("must be a valid integer, unable to parse string as an integer", "must be a whole number"),
    ("must be a valid integer, got a number with a fractional part", "must be a whole number"),
    ("must be a valid integer", "must be a whole number"),
    ("must be a valid boolean, unable to interpret input", "must be true or false"),
    ("must be a valid boolean", "must be true or false"),
    ("must be a valid string", "must be text in quotes"),
    ("must be a valid dictionary", "must be a table, e.g. { key = value }"),
)


def _did_you_mean(model: type[BaseModel] | None, loc: tuple) -> str:
    """`` (did you mean `uplift`?)`` when an unknown key is close to a known one."""
    import difflib

    known = _fields_at(model, loc[:-1]) if model is not None else ()
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _fields_at(model: type[BaseModel], loc: tuple) -> tuple[str, ...]:
    """The field names of the model found by following ``loc`` down from ``model``."""
    import typing

    current: object = model
    for part in loc:
        if not isinstance(part, str) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return ()
        current = _model_in(field.annotation, typing)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return tuple(current.model_fields)
    return ()


def _model_in(annotation: object, typing) -> object:
    """The first pydantic model inside an annotation (Optional, tuple[...], Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg, typing)
        if found is not None:
            return found
    return None


def _shown(value: object) -> str:
    # Numbers as the user wrote them (1.5, not Decimal('1.5')); anything else quoted.
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return str(value)
    return repr(value)


def _tidy(msg: str) -> str:
    msg = msg.replace("Input should be", "must be").replace("Value error, ", "")
    for pydantic_words, ours in _EXPECTED:
        if msg.startswith(pydantic_words):
            return ours
    return msg


def _key_path(loc: tuple) -> str:
    # pydantic reports union members and tagged variants as extra loc parts; drop them.
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("decimal", "tuple[decimal,...]", "function-after[_distinct_thresholds(), Metric]"):
            continue
        elif "[" in str(part) or "-" in str(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out
