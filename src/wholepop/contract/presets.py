"""Commented contract presets, one per form, shipped as package data."""

from __future__ import annotations

from importlib import resources

from wholepop.vocab import Form

__all__ = ["PRESET_FORMS", "preset_text"]


def _available() -> tuple[Form, ...]:
    folder = resources.files("wholepop.contract") / "presets"
    return tuple(f for f in Form if (folder / f"{f.value}.toml").is_file())


PRESET_FORMS: tuple[Form, ...] = _available()


def preset_text(form: Form | str) -> str:
    """The commented TOML preset for ``form``."""
    form = Form(form)
    if form not in PRESET_FORMS:
        raise KeyError(f"no preset for form {form.value!r}")
    return (resources.files("wholepop.contract") / "presets" / f"{form.value}.toml").read_text(encoding="utf-8")
