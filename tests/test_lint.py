"""ruff lints the whole tree: src, tests and benchmarks, under pyproject.toml's [tool.ruff].

The chosen rules and every ignore (with its reason) are in pyproject.toml; `make lint` runs
the same check by hand. ruff comes with the [test] extras, so `make test` always runs this;
only a bare environment without it skips, and says so.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ruff", reason="ruff is not installed: `pip install -e '.[test]'` (as `make test` does) brings it")

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("src", "tests", "benchmarks")


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # The venv's ruff, run from the project root so it reads pyproject.toml; no cache
    # written into the tree.
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *args],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300,
    )


def test_the_tree_has_no_ruff_findings():
    done = _ruff(*PATHS)
    assert done.returncode == 0, f"ruff check {' '.join(PATHS)} (fix with `make lint`'s command):\n{done.stdout}{done.stderr}"


def test_the_check_reads_the_project_config_and_catches_a_finding():
    # The gate above can only pass honestly if ruff lints these files under our config: a
    # module in src with an unsorted, unused import must fail it (I001 and F401, both selected).
    done = _ruff("--output-format", "concise", "--stdin-filename", "src/wholepop/lint_probe.py", "-", stdin="import sys\nimport os\n")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "I001" in done.stdout and "F401" in done.stdout, done.stdout
