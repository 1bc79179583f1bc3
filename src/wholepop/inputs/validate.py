"""Validation of the input layer: every check, run relationally, every problem collected.

``load_inputs`` stages the folder row-numbered (``wholepop.inputs.raw``), runs each check
of ``CHECKS`` in order, and returns the typed ``Inputs`` with every ``Problem`` found.
Nothing is written anywhere. A check is a function
``check(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]``; the registry
is a tuple, so adding a check is adding a function to it (see ``wholepop.inputs.checks``).
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import TYPE_CHECKING

from wholepop.engine import connect
from wholepop.errors import ContractError
from wholepop.inputs.checks import DATA_CHECKS
from wholepop.inputs.contract_checks import CONTRACT_CHECKS
from wholepop.inputs.load import Inputs, empty, read_raw, typed
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.raw import RawInputs, stage
from wholepop.inputs.schema import TABLES

if TYPE_CHECKING:
    from wholepop.contract import Contract

__all__ = ["CHECKS", "contract_problems", "load_inputs"]

CHECKS = DATA_CHECKS + CONTRACT_CHECKS


def load_inputs(
    folder: str | Path, contract: Contract | str | Path | None = None, engine: str = "duckdb", backend=None
) -> tuple[Inputs, tuple[Problem, ...]]:
    """Read ``folder`` and return its typed tables with every problem found.

    Args:
        folder: the data folder (one Parquet or CSV file per table).
        contract: a ``Contract``, or the path of a contract file, or None. A file that
            does not validate gives one problem per ``ContractError`` line, and the
            contract-dependent checks are then skipped.
        engine: ``duckdb`` or ``polars`` (ignored when ``backend`` is given).
        backend: an Ibis backend to use instead of a fresh one.

    Returns:
        The typed input tables (lazy for Parquet; absent, unreadable tables empty) and
        every problem, in check order. Callers must not use the tables while any problem
        is an error.
    """
    backend = backend or connect(engine)
    problems: list[Problem] = []
    if isinstance(contract, (str, Path)):
        # Imported here: wholepop.contract reads the vocabularies of this package.
        from wholepop.contract import load_contract

        try:
            contract = load_contract(contract)
        except ContractError as e:
            problems.extend(contract_problems(e))
            contract = None
    raw = stage(folder, backend)
    for check in CHECKS:
        problems.extend(check(raw, contract))
    return _typed_inputs(raw), tuple(problems)


def contract_problems(error: ContractError) -> tuple[Problem, ...]:
    """One problem per line of a ``ContractError`` (the key path is the location)."""
    out = []
    for line in str(error).splitlines():
        where, sep, message = line.partition(": ")
        if not sep:
            where, message = "contract", line
        out.append(Problem(where, None, None, message, Severity.ERROR, ("money",)))
    return tuple(out)


def _typed_inputs(raw: RawInputs) -> Inputs:
    # The typed tables are read afresh from the files (lazily for Parquet), as
    # `open_inputs` reads them; unreadable files become empty tables.
    tables, files = {}, {}
    for decl in TABLES:
        rt = raw.tables.get(decl.name)
        if rt is None:
            tables[decl.name] = empty(decl)
            continue
        files[decl.name] = rt.path
        tables[decl.name] = typed(read_raw(raw.backend, rt.path, decl.name), decl)
    return Inputs(
        backend=raw.backend,
        tables=types.MappingProxyType(tables),
        files=types.MappingProxyType(files),
        folder=raw.folder,
    )
