"""``wholepop init``: print a commented contract preset that validates."""

from __future__ import annotations

import typer

from wholepop.cli.app import app
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.errors import UserError


@app.command()
def init(
    form: str = typer.Option("full", help=f"contract form: {', '.join(f.value for f in PRESET_FORMS)}"),
    scenario: bool = typer.Option(False, "--scenario", metavar="", help="print the default projection scenario instead"),
) -> None:
    """Print a commented contract preset for FORM, or with --scenario the default projection scenario."""
    if scenario:
        from wholepop.projection import default_scenario_text

        typer.echo(default_scenario_text(), nl=False)
        return
    form = form.strip().lower()  # `--form FULL` is the same form
    if form not in {f.value for f in PRESET_FORMS}:
        raise UserError(f"--form: unknown form {form!r}; expected one of {', '.join(f.value for f in PRESET_FORMS)}")
    typer.echo(preset_text(form), nl=False)
