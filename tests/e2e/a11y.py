"""Accessibility check with axe-core: no serious or critical violations on a page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()


def serious_violations(page: Page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
