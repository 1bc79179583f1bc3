"""Command-line interface: each module registers its commands on one Typer app.

Commands parse arguments, call the stage functions in order and print with Rich;
they hold no business rules.
"""

from wholepop.cli import commands  # noqa: F401  (registers the commands)
from wholepop.cli.app import app, main

__all__ = ["app", "main"]
