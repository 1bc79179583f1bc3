"""The input layer's reference, written from the declarations in ``schema`` (for docs/inputs.md).

``docs/inputs.md`` holds this text between two marker lines; a test fails when the
declarations change and the doc was not regenerated (``python -m wholepop.inputs.reference``
prints the section).
"""

from __future__ import annotations

from wholepop.inputs.checks import BLOCKS
from wholepop.inputs.schema import TABLES, DType

__all__ = ["BEGIN", "END", "markdown_reference"]

BEGIN = "<!-- tables: generated from wholepop/inputs/schema.py; do not edit by hand -->"
END = "<!-- end of generated tables -->"

_TYPE_TEXT = {
    DType.STRING: "text",
    DType.INT: "whole number",
    DType.FLOAT: "number",
    DType.DATE: "date (YYYY-MM-DD)",
}


def markdown_reference() -> str:
    """One section per declared table: grain, key, the stages it feeds, its columns."""
    out = [BEGIN, ""]
    for t in TABLES:
        out.append(f"### `{t.name}` ({'required' if t.required else 'optional'})")
        out.append("")
        out.append(f"Grain: {t.grain}. File: `{t.name}.parquet`, `{t.name}.csv` or a folder `{t.name}/` of Parquet parts.")
        if t.key:
            out.append(f"Key: `{'`, `'.join(t.key)}` (each value once).")
        out.append(f"Problems here block: {', '.join(BLOCKS[t.name])}.")
        out.append("")
        out.append("| column | type | required | meaning | allowed values |")
        out.append("| --- | --- | --- | --- | --- |")
        for c in t.columns:
            allowed = ", ".join(f"`{v.value}`" for v in c.vocab) if c.vocab else ("0 or more" if c.non_negative else "")
            out.append(
                f"| `{c.name}` | {_TYPE_TEXT[c.dtype]} | {'yes' if c.required else 'no'} | {c.description} | {allowed} |"
            )
        out.append("")
    out.append(END)
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover  (a convenience for regenerating the doc)
    print(markdown_reference())
