"""docs/inputs.md documents the declared input layer as it is."""

from pathlib import Path

from wholepop.inputs.reference import BEGIN, END, markdown_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "inputs.md"


def test_reference_section_matches_the_declarations():
    """Regenerate with `python -m wholepop.inputs.reference` when schema.py changes."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == markdown_reference()


def test_doc_states_the_row_numbering_rule():
    assert "the header is row 1, so the first data row is\nrow 2" in DOC.read_text(encoding="utf-8")
