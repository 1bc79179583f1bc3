"""Layers point one way: no module of wholepop imports a package above its own.

The order, lowest first (README, "Developing"). A package may import its own modules and
any package of a lower layer, never one of its own layer or above; imports inside
functions count as much as those at the top of a module (an import inside a function to
dodge a cycle is a sign the concept is in the wrong room).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "wholepop"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "vocab", "numbers"),  # user errors; every closed vocabulary; number helpers
    ("engine",),  # where relational work runs
    ("contract",),  # the contract file, its calendar and presets
    ("inputs",),  # the validated input layer
    ("population",),  # counted spans, person-months, weights, age-sex cells
    ("costing",),
    ("segments",),
    ("money",),
    ("ledger",),
    ("projection", "hubs"),
    ("importers",),  # outside formats -> the input layer (HES/SUS+, NHS files, Synthea)
    ("synth",),  # data generation, incl. synthetic patients matching published lists
    ("pipeline",),  # the one order of the stages
    ("report",),
    ("web",),  # the web app for a commissioning team
    ("cli",),
)
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _package(module: str) -> str | None:
    """``wholepop.inputs.load`` -> ``inputs``; anything outside wholepop -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "wholepop" and len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported wholepop module) of every import in ``path``, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "wholepop":  # from wholepop import vocab, inputs, ...
                found += [(node.lineno, f"wholepop.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _own_package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def test_every_package_has_a_layer():
    packages = {p.name.removesuffix(".py") for p in SRC.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    packages.discard("__init__")
    assert sorted(packages - set(RANK)) == [], "place each new package in LAYERS (and in the README's list)"


def test_no_module_imports_a_package_above_it():
    upward = []
    for path in sorted(SRC.rglob("*.py")):
        own = _own_package(path)
        if own == "__init__":
            continue
        for line, module in _imports(path):
            target = _package(module)
            if target is None or target == own or target == "__version__":
                continue
            if RANK.get(target, -1) >= RANK[own]:
                upward.append(f"{path.relative_to(SRC.parent)}:{line} ({own}) imports {module} ({target})")
    assert upward == []


def test_the_readme_states_the_same_order():
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    stated = " < ".join(" / ".join(f"`{n}`" for n in layer) for layer in LAYERS)
    assert stated in readme
