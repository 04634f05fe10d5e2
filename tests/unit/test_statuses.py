"""Every status value the code writes or compares is a member of its column's StrEnum
(portal_app/models/statuses.py), so a typo ("succeded") cannot hide in a query."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

from portal_app.models import statuses

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"
_ENUMS = [e for e in vars(statuses).values() if isinstance(e, type) and issubclass(e, StrEnum) and e is not StrEnum]
ALLOWED = {
    "status": {m.value for e in _ENUMS if e not in (statuses.StaffRole, statuses.MandateStatus) for m in e},
    "mandate_status": {m.value for m in statuses.MandateStatus},
    "role": {m.value for m in statuses.StaffRole},
}
# Names that hold something else's status: the payment gateway's own words, dispute outcomes.
NOT_OURS = {"integrations"}


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [v for elt in node.elts for v in _literals(elt)]
    return []


def _column(node: ast.AST) -> str | None:
    """`row.status` / `Model.status` (attribute access on something): the column name."""
    return node.attr if isinstance(node, ast.Attribute) and node.attr in ALLOWED else None


def _uses() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in NOT_OURS or "migrations" in rel.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and (column := _column(node.left)):
                for comparator in node.comparators:
                    found += [(f"{rel}:{node.lineno}", column, v) for v in _literals(comparator)]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and (column := _column(node.targets[0])):
                found += [(f"{rel}:{node.lineno}", column, v) for v in _literals(node.value)]
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg in ALLOWED and isinstance(node.func, ast.Name) and node.func.id[:1].isupper():
                        found += [(f"{rel}:{node.lineno}", keyword.arg, v) for v in _literals(keyword.value)]
    return found


def test_every_status_literal_is_a_member_of_its_columns_enum() -> None:
    uses = _uses()
    assert len(uses) > 50  # the scan sees the code's statuses
    assert [(where, column, value) for where, column, value in uses if value not in ALLOWED[column]] == []
