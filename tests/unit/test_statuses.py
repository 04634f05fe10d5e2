"""Every status value the code writes or compares is one of its column's Literal values
(portal_app/models/statuses.py), so a typo ("succeded") cannot hide in a query."""

from __future__ import annotations

import ast
from typing import get_args
from pathlib import Path

from portal_app.models import statuses

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"
ALLOWED = {
    "status": {value for kind in statuses.STATUS_TYPES for value in get_args(kind)},
    "mandate_status": set(get_args(statuses.MandateStatus)),
    "service_status": set(get_args(statuses.ServiceState)),
    "role": set(get_args(statuses.StaffRole)) | set(get_args(statuses.MemberRole)),
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


def test_every_status_literal_is_one_of_its_columns_values() -> None:
    uses = _uses()
    assert len(uses) > 50  # the scan sees the code's statuses
    assert [(where, column, value) for where, column, value in uses if value not in ALLOWED[column]] == []
