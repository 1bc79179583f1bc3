"""Hashing input files, Parquet part folders and the contract."""

from __future__ import annotations

import hashlib

import pytest

from wholepop.errors import LedgerError
from wholepop.ledger import provenance
from wholepop.ledger.provenance import hash_path


def test_files_and_contract_are_hashed_by_their_bytes(tmp_path):
    (tmp_path / "activity.csv").write_bytes(b"patient_id,cost_pence\n1,100\n")
    (tmp_path / "registrations.csv").write_bytes(b"patient_id\n1\n")
    (tmp_path / "contract.toml").write_text('[contract]\nname = "n"\n', encoding="utf-8")
    p = provenance(
        {"registrations": tmp_path / "registrations.csv", "activity": tmp_path / "activity.csv"},
        tmp_path / "contract.toml",
        "0.1.0",
    )
    assert [(i.name, i.sha256) for i in p.inputs] == [
        ("activity", hashlib.sha256(b"patient_id,cost_pence\n1,100\n").hexdigest()),
        ("registrations", hashlib.sha256(b"patient_id\n1\n").hexdigest()),
    ]
    assert p.contract_hash == hashlib.sha256(b'[contract]\nname = "n"\n').hexdigest()
    assert p.contract_text == '[contract]\nname = "n"\n'
    assert p.engine_version == "0.1.0"


def _parts(folder, parts: dict[str, bytes]):
    for rel, data in parts.items():
        f = folder / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    return folder


def test_a_parquet_folder_hashes_its_sorted_parts(tmp_path):
    a = _parts(tmp_path / "a", {"year=2027/part-1.parquet": b"one", "year=2028/part-0.parquet": b"two"})
    # The same parts written in the other order give the same hash.
    b = _parts(tmp_path / "b", {"year=2028/part-0.parquet": b"two", "year=2027/part-1.parquet": b"one"})
    expected = hashlib.sha256(
        (
            f"year=2027/part-1.parquet\0{hashlib.sha256(b'one').hexdigest()}\n"
            f"year=2028/part-0.parquet\0{hashlib.sha256(b'two').hexdigest()}\n"
        ).encode()
    ).hexdigest()
    assert hash_path(a) == hash_path(b) == expected


def test_a_parquet_folder_hash_changes_with_a_part_or_its_partition(tmp_path):
    base = hash_path(_parts(tmp_path / "a", {"year=2027/part-0.parquet": b"one"}))
    assert hash_path(_parts(tmp_path / "b", {"year=2027/part-0.parquet": b"One"})) != base
    # Moving a part to another partition changes the data, so it changes the hash.
    assert hash_path(_parts(tmp_path / "c", {"year=2028/part-0.parquet": b"one"})) != base


def test_hidden_files_in_a_parquet_folder_are_ignored(tmp_path):
    plain = hash_path(_parts(tmp_path / "a", {"part-0.parquet": b"one"}))
    noisy = hash_path(_parts(tmp_path / "b", {"part-0.parquet": b"one", ".part-0.parquet.crc": b"x", ".DS_Store": b"y"}))
    assert noisy == plain


def test_a_missing_input_file_names_the_input(tmp_path):
    (tmp_path / "contract.toml").write_text("x = 1\n")
    with pytest.raises(LedgerError, match=r"^activity: cannot read .*gone\.csv to hash it"):
        provenance({"activity": tmp_path / "gone.csv"}, tmp_path / "contract.toml", "0.1.0")


def test_a_missing_contract_file_is_named(tmp_path):
    with pytest.raises(LedgerError, match=r"contract\.toml: cannot read the contract file to hash it"):
        provenance({}, tmp_path / "contract.toml", "0.1.0")


def test_a_non_utf8_contract_is_hashed_but_its_text_is_not_kept(tmp_path):
    (tmp_path / "contract.toml").write_bytes(b"\xff\xfe")
    p = provenance({}, tmp_path / "contract.toml", "0.1.0")
    assert (p.contract_hash, p.contract_text) == (hashlib.sha256(b"\xff\xfe").hexdigest(), None)


def test_a_listed_table_is_hashed_over_exactly_the_files_read(tmp_path):
    """Given the lister's answer (the folder and the parts it reads), files beside the
    parts (Spark's _SUCCESS, .crc) are not hashed: changing them changes nothing."""
    from types import SimpleNamespace

    from wholepop.ledger.provenance import hash_source

    folder = _parts(tmp_path / "activity", {"year=2027/part-0.parquet": b"one", "_SUCCESS": b"", "year=2027/.part-0.crc": b"c"})
    listed = SimpleNamespace(path=folder, files=(folder / "year=2027/part-0.parquet",))
    expected = hashlib.sha256(f"year=2027/part-0.parquet\0{hashlib.sha256(b'one').hexdigest()}\n".encode()).hexdigest()
    assert hash_source(listed, "activity") == expected
    (folder / "_SUCCESS").write_bytes(b"rewritten by the next job")
    assert hash_source(listed, "activity") == expected
    # A single file is its own bytes.
    single = tmp_path / "patients.csv"
    single.write_bytes(b"patient_id\n1\n")
    assert hash_source(SimpleNamespace(path=single, files=(single,)), "patients") == hashlib.sha256(b"patient_id\n1\n").hexdigest()


def test_input_files_are_the_readers_listing(tmp_path):
    """``input_files`` is the reader's own lister (``inputs.files.list_inputs``): a part
    folder's bookkeeping files are not in the hash."""
    files = pytest.importorskip("wholepop.inputs.files", reason="the inputs lister (inputs/files.py) has not landed yet")
    from wholepop.ledger import input_files, input_hashes

    _parts(tmp_path / "activity", {"part-0.parquet": b"one", "_SUCCESS": b""})
    (tmp_path / "patients.csv").write_bytes(b"patient_id\n1\n")
    listed = input_files(tmp_path)
    assert listed == dict(files.list_inputs(tmp_path).tables)
    before = input_hashes(listed)
    (tmp_path / "activity" / "_SUCCESS").write_bytes(b"x")
    assert input_hashes(input_files(tmp_path)) == before


def test_the_contract_id_is_read_from_the_contract_file(tmp_path):
    """``append`` keys on it when not told an id, so every caller keys a contract alike."""
    c = tmp_path / "contract.toml"
    c.write_text('[contract]\nname = "Northfield MCP"\nid = "northfield"\n', encoding="utf-8")
    assert provenance({}, c, "0.1.0").contract_id == "northfield"
    c.write_text('[contract]\nname = "Northfield MCP"\n', encoding="utf-8")
    assert provenance({}, c, "0.1.0").contract_id == "Northfield MCP"  # no id: the name, as Contract.id
    c.write_text("not toml [", encoding="utf-8")
    assert provenance({}, c, "0.1.0").contract_id is None
