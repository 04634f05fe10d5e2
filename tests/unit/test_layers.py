"""The layer rules of ARCHITECTURE.md, checked on the source: the domain never imports Reflex,
and the outside-world adapters never reach up into the domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["services", "models", "integrations"])
def test_domain_layers_never_import_reflex(layer: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(name for name in _imports(path) if name.split(".")[0] == "reflex")
        for path in _modules(layer)
    }
    assert {path: names for path, names in offenders.items() if names} == {}
