"""Writing report files: atomically (a temporary name, then a rename) and with the
permissions the user expects of a new file."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["honour_umask"]


def honour_umask(path: str | Path) -> None:
    """Give a file made by ``tempfile.mkstemp`` (always 0600) the mode a newly created
    file gets under the user's umask, e.g. 0644 or 0664, so a finance team's group can
    read the report it was sent."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
