"""``wholepop serve``: the web app (``wholepop.web``) for a team, on this machine or a server.

Safe by default: it listens on 127.0.0.1 only; ``--host`` (any other address) needs a
token, from ``--token`` or ``WHOLEPOP_TOKEN``, that every browser then presents once.
Counts in downloads are disclosure-controlled unless ``--restricted``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import typer

from wholepop.cli.app import app, console
from wholepop.errors import UserError

LOCAL = ("127.0.0.1", "localhost", "::1")


def _default_nhs() -> Path | None:
    """``../shared/data/nhs`` (the repository's neighbour) when it is there."""
    for base in (Path.cwd(), *Path.cwd().parents[:2]):
        candidate = base.parent / "shared" / "data" / "nhs"
        if candidate.is_dir():
            return candidate
    return None


@app.command()
def serve(
    data: list[Path] = typer.Option([], "--data", help="prepared data folder(s) to open (repeatable)"),
    ledger: str = typer.Option(None, "--ledger", help="one ledger for every provider (file or URL); default each folder's wholepop.duckdb"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on; anything but localhost needs a token"),
    port: int = typer.Option(8050, "--port", help="port to listen on"),
    token: str = typer.Option(None, "--token", envvar="WHOLEPOP_TOKEN", help="token every browser must present (env WHOLEPOP_TOKEN)"),
    restricted: bool = typer.Option(False, "--restricted", help="unrounded counts in downloads, stamped RESTRICTED"),
    nhs: Path = typer.Option(None, "--nhs", help="folder of NHS England's practice files to build providers from (default ../shared/data/nhs)"),
    workspace: Path = typer.Option(Path("wholepop-web"), "--workspace", help="folder for providers built in the app"),
    max_upload_mb: int = typer.Option(50, "--max-upload-mb", min=1, help="largest upload accepted (MB)"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
) -> None:
    """Serve the web app: providers, contract, settle, what-if, compare, downloads."""
    import uvicorn

    from wholepop.web.app import ServeConfig, create_app

    if host not in LOCAL and not token:
        raise UserError(f"--host {host}: listening beyond this machine needs a token: give --token or set WHOLEPOP_TOKEN "
                        f"(e.g. --token {secrets.token_urlsafe(16)})")
    if not 1 <= port <= 65535:
        raise UserError(f"--port: expected 1-65535, got {port}")
    if nhs is not None and not nhs.is_dir():
        raise UserError(f"--nhs: {nhs} is not a folder")
    config = ServeConfig(data=tuple(data), ledger=ledger, token=token, restricted=restricted,
                         nhs=nhs or _default_nhs(), workspace=workspace, max_upload_mb=max_upload_mb, engine=engine,
                         local_only=host in LOCAL)
    web = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/"
    first = next(iter(web.state.ws.providers.values()), None)
    if first is not None:
        url += f"p/{first.id}/settle"
    if token:
        url += f"?token={token}"
    console.print(f"wholepop serving on {url}", highlight=False, soft_wrap=True)
    if restricted:
        console.print("[bold red]RESTRICTED: downloads carry unrounded counts[/]")
    uvicorn.run(web, host=host, port=port, log_level="warning")
