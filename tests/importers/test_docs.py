"""docs/real-data.md shows the HES column mapping as it is shipped."""

from pathlib import Path

from wholepop.importers.hes import MAPPING_BEGIN, MAPPING_END, mapping_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "real-data.md"


def test_mapping_table_matches_the_shipped_mapping():
    """Regenerate with `python -m wholepop.importers.hes` when hes_mapping.toml changes."""
    text = DOC.read_text(encoding="utf-8")
    assert text[text.index(MAPPING_BEGIN): text.index(MAPPING_END) + len(MAPPING_END)] == mapping_markdown()
