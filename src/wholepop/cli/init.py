"""``wholepop init``: print a commented contract preset that validates."""

from __future__ import annotations

import typer

from wholepop.cli.app import app
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.errors import UserError


@app.command()
def init(
    form: str = typer.Option("full", help=f"contract form: {', '.join(f.value for f in PRESET_FORMS)}"),
) -> None:
    """Print a commented contract preset for FORM (redirect it to contract.toml)."""
    if form not in {f.value for f in PRESET_FORMS}:
        raise UserError(f"--form: unknown form {form!r}; expected one of {', '.join(f.value for f in PRESET_FORMS)}")
    typer.echo(preset_text(form), nl=False)
