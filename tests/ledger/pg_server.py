"""A real PostgreSQL server for the tests, started in a temporary folder (no mock, no network).

``start(folder)`` runs Debian's ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/<n>/bin``
or on PATH), as the ``postgres`` user when the tests run as root (PostgreSQL refuses to
run as root; CI runs as root), bound to 127.0.0.1 on a free port with its socket in the
folder, trusting local logins. A server that cannot start raises ``ServerError`` with the
tail of its log: the suite fails, it never skips.

Kept free of pytest so other test packages (the web app's) can start one too.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

__all__ = ["Server", "ServerError", "start"]


class ServerError(RuntimeError):
    """PostgreSQL could not be started (the message says why)."""


@dataclass
class Server:
    """A running server: ``url(db)`` names a database on it; ``create_db()`` makes a fresh one."""

    folder: Path
    port: int
    user: str
    bin: Path
    run_as: str | None
    _n: int = 0

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_db(self) -> str:
        """A new, empty database; returns its URL."""
        self._n += 1
        name = f"ledger_{os.getpid()}_{self._n}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _run(self, [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"], check=False)


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    if not dirs:
        raise ServerError(
            "PostgreSQL is not installed (no pg_ctl on PATH or in /usr/lib/postgresql/*/bin); `make test` installs "
            "Debian's postgresql package"
        )
    return Path(dirs[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(server_or_user, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    run_as = server_or_user.run_as if isinstance(server_or_user, Server) else server_or_user
    if run_as:
        argv = ["runuser", "-u", run_as, "--", *argv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if check and p.returncode != 0:
        raise ServerError(f"{' '.join(argv)} failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-2000:]}")
    return p


def start(folder: Path) -> Server:
    """Start a server whose data and socket live in ``folder``."""
    bin_ = _bin_dir()
    run_as = "postgres" if os.geteuid() == 0 else None
    if run_as:
        try:
            entry = pwd.getpwnam(run_as)
        except KeyError:
            raise ServerError("running as root but there is no `postgres` user to run PostgreSQL as") from None
        folder.chmod(0o755)
        for parent in folder.parents:  # the postgres user must reach the folder
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o111)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    user = run_as or pwd.getpwuid(os.geteuid()).pw_name
    data = folder / "data"
    _run(run_as, [str(bin_ / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
    log = folder / "server.log"
    for _ in range(3):  # another process may take the free port first
        port = _free_port()
        server = Server(folder, port, user, bin_, run_as)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        p = _run(run_as, [str(bin_ / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"], check=False)
        if p.returncode == 0:
            break
        time.sleep(0.2)
    else:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServerError(f"PostgreSQL did not start: {(p.stderr or p.stdout).strip()}\n{tail}")
    try:
        with psycopg.connect(server.url(), connect_timeout=10) as con:
            con.execute("SELECT 1")
    except psycopg.Error as e:
        server.stop()
        raise ServerError(f"PostgreSQL started but refuses connections: {e}") from None
    return server
