"""The Typer application every command module registers on, and the error boundary.

Only the CLI catches exceptions: each ``UserError`` class maps to one exit code
(``wholepop.errors.EXIT_CODES``); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from wholepop.errors import EXIT_CODES, UserError

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


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="wholepop")
    except UserError as e:
        err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        sys.exit(exit_code(e))


@app.callback()
def _root() -> None:
    """wholepop: accountable-care contracts, from registered lists to a settled year."""
