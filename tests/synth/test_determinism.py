"""Same seed, same bytes: every file of two runs with equal arguments is identical."""

from __future__ import annotations

import pytest

from wholepop.synth import generate

FILES = (
    "practices.parquet", "memberships.parquet", "patients.parquet", "registrations.parquet", "activity.parquet",
    "conditions.parquet", "unregistered.parquet", "measures.parquet", "coverage.parquet", "contract.toml",
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("determinism")
    # A small block size so the activity of each year is written in several blocks.
    a = generate(base / "a", population=1_800, years=3, seed=5, block_people=500)
    b = generate(base / "b", population=1_800, years=3, seed=5, block_people=500)
    c = generate(base / "c", population=1_800, years=3, seed=6, block_people=500)
    return a, b, c


@pytest.mark.parametrize("name", FILES)
def test_same_seed_writes_identical_bytes(runs, name):
    a, b, _ = runs
    assert (a / name).read_bytes() == (b / name).read_bytes()


def test_another_seed_writes_other_data(runs):
    a, _, c = runs
    assert (a / "activity.parquet").read_bytes() != (c / "activity.parquet").read_bytes()
    assert (a / "patients.parquet").read_bytes() != (c / "patients.parquet").read_bytes()


def test_the_folder_holds_exactly_these_files(runs):
    assert sorted(p.name for p in runs[0].iterdir()) == sorted(FILES)
