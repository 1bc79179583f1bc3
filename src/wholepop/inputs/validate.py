"""Validation of the input layer: every check, run relationally, every problem collected.

``load_inputs`` stages the folder row-numbered (``wholepop.inputs.raw``), runs each check
of ``CHECKS`` in order, and returns the typed ``Inputs`` with every ``Problem`` found.
Nothing is written anywhere. A check is a function
``check(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]``; the registry
is a tuple, so adding a check is adding a function to it (see ``wholepop.inputs.checks``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wholepop.contract import load_contract
from wholepop.engine import connect
from wholepop.errors import ContractError
from wholepop.inputs.checks import DATA_CHECKS
from wholepop.inputs.contract_checks import CONTRACT_CHECKS
from wholepop.inputs.files import InputListing
from wholepop.inputs.load import Inputs, inputs_from
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.raw import engine_error, stage

if TYPE_CHECKING:
    from wholepop.contract import Contract

__all__ = ["CHECKS", "contract_problems", "load_inputs"]

CHECKS = DATA_CHECKS + CONTRACT_CHECKS


def load_inputs(
    folder: str | Path,
    contract: Contract | str | Path | None = None,
    engine: str = "duckdb",
    backend=None,
    listing: InputListing | None = None,
) -> tuple[Inputs, tuple[Problem, ...]]:
    """Read ``folder`` and return its typed tables with every problem found.

    Args:
        folder: the data folder (one Parquet or CSV file per table).
        contract: a ``Contract``, or the path of a contract file, or None. A file that
            does not validate gives one problem per ``ContractError`` line, and the
            contract-dependent checks are then skipped.
        engine: ``duckdb`` or ``polars`` (ignored when ``backend`` is given).
        backend: an Ibis backend to use instead of a fresh one.
        listing: the files to read (``wholepop.inputs.files.list_inputs(folder)``), when
            the caller listed them first (to hash exactly what is read).

    Returns:
        The typed input tables (lazy for Parquet; absent, unreadable tables empty) and
        every problem, in check order. Callers must not use the tables while any problem
        is an error.
    """
    backend = backend or connect(engine)
    problems: list[Problem] = []
    if isinstance(contract, (str, Path)):
        try:
            contract = load_contract(contract)
        except ContractError as e:
            problems.extend(contract_problems(e))
            contract = None
    raw = stage(folder, backend, listing)
    for check in CHECKS:
        try:
            problems.extend(check(raw, contract))
        except Exception as e:  # a corrupt page is found when a check first reads it
            if not engine_error(e):
                raise
            problems.append(Problem("inputs", None, None, f"cannot read the data ({_first_line(e)})", Severity.ERROR, ("money",)))
            break
    return inputs_from(raw), tuple(problems)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return (text.splitlines()[0] if text else type(e).__name__)[:200]


def contract_problems(error: ContractError) -> tuple[Problem, ...]:
    """One problem per line of a ``ContractError`` (the key path is the location)."""
    out = []
    for line in str(error).splitlines():
        where, sep, message = line.partition(": ")
        if not sep:
            where, message = "contract", line
        out.append(Problem(where, None, None, message, Severity.ERROR, ("money",)))
    return tuple(out)
