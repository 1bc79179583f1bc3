"""The Typer application every command module registers on, and the error boundary.

Only the CLI catches exceptions: each ``UserError`` class maps to one exit code
(``wholepop.errors.EXIT_CODES``); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from wholepop.errors import EXIT_CODES, SYSTEM_EXIT_CODE, UserError

__all__ = ["MEMORY_LIMIT", "PARTS", "WORK_DIR", "app", "building", "console", "err_console", "main"]

app = typer.Typer(
    name="wholepop",
    help="Run an accountable-care contract end to end: inputs, population, budget, settlement, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

# The options of every command that builds the stages (settle, report, project), for
# data larger than memory; ``pipeline.Scale`` holds them.
MEMORY_LIMIT = typer.Option(None, "--memory-limit", help="DuckDB memory limit, e.g. 12GB; past it DuckDB spills to disk")
WORK_DIR = typer.Option(
    None, "--work-dir", help="DuckDB: spill here, and keep the stage tables compressed in a file here (for data larger than memory)"
)
PARTS = typer.Option(1, "--parts", min=1, help="attribute activity in this many passes over ranges of patient ids (less memory; DuckDB)")


@contextmanager
def building(what: str = "building the population") -> Iterator:
    """A status line that names each stage as the pipeline reaches it, with the time the
    previous one took: a ``pipeline.StageHook`` for ``prepared(..., stage=...)``. At
    England scale a stage takes minutes, and one unchanging line would look hung."""
    with console.status(f"{what}...") as status:
        done: list[str] = []

        @contextmanager
        def stage(name: str) -> Iterator[None]:
            status.update(f"{what}: {name}..." + (f" ({', '.join(done)})" if done else ""))
            t0 = time.perf_counter()
            yield
            done.append(f"{name} {time.perf_counter() - t0:.1f} s")

        yield stage


def exit_code(error: UserError) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    return 2  # pragma: no cover  (EXIT_CODES ends with UserError itself)


# Options naming a file a command writes. Its folder must exist before any work starts,
# rather than failing after minutes of computing (a folder given to --out is made).
_WRITTEN = ("--json", "--out", "--xlsx", "--ledger")


def check_output_folders(argv: list[str]) -> None:
    """Refuse, before any work, a file to write whose folder does not exist.

    Raises:
        UserError: ``--json out/missing/x.json`` when ``out/missing`` is not a folder.
    """
    for i, arg in enumerate(argv):
        option, eq, value = arg.partition("=")
        if option not in _WRITTEN:
            continue
        if not eq:
            if i + 1 >= len(argv):
                continue
            value = argv[i + 1]
        path = Path(value)
        if value == "-" or not path.suffix or "://" in value:  # stdout, a folder the command makes, a database URL
            continue
        parent = path.parent
        if not parent.is_dir():
            what = "is not a folder" if parent.exists() else "does not exist"
            raise UserError(f"{option} {value}: the folder {parent} {what} (create it first)")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point.

    A user's mistake is one line and its exit code (``EXIT_CODES``); a file the system
    refuses (permission denied, disk full) is one line and exit code 5; only a bug in
    wholepop shows a traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        check_output_folders(args)
        app(args=args, prog_name="wholepop")
    except UserError as e:
        err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        sys.exit(exit_code(e))
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        err_console.print(f"[bold red]error:[/] {escape(where + (e.strerror or str(e)))}", highlight=False, soft_wrap=True)
        sys.exit(SYSTEM_EXIT_CODE)


@app.callback()
def _root() -> None:
    """wholepop: accountable-care contracts, from registered lists to a settled year."""
