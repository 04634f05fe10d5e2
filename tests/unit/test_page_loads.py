"""Each signed-in page loads in one event: one handler that checks the session itself and reads
everything the page shows in one DB session (portal_app/state/signed_in.py)."""

from __future__ import annotations

import portal_app.portal_app  # noqa: F401  (registers every page)
from portal_app.components.shell import PAGE_LOADERS, PUBLIC_ROUTES
from portal_app.state.signed_in import resolves_session


def test_every_signed_in_page_loads_in_one_handler_that_checks_the_session() -> None:
    signed_in = {route: loaders for route, loaders in PAGE_LOADERS.items() if route not in PUBLIC_ROUTES}
    assert len(signed_in) > 20
    several = {route: len(loaders) for route, loaders in signed_in.items() if len(loaders) != 1}
    unguarded = sorted(route for route, loaders in signed_in.items() if not all(map(resolves_session, loaders)))
    assert several == {} and unguarded == []
    # The shell's once-per-page reads (outage banners) ride on the handler named `load` (or the guard).
    named = {route: loaders[0].fn.__name__ for route, loaders in signed_in.items()}
    assert {route: name for route, name in named.items() if name not in ("load", "require_subscriber", "require_staff")} == {}
