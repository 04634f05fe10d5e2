"""Keeps a tab's Reflex state from outliving the sign-in it was loaded under.

Reflex serves a tab's whole state tree to whoever holds the tab token (it sits in
`sessionStorage` and in the websocket URL). So:

- every event compares a keyed fingerprint of the connection's session cookies with the one the
  tree was last used under; a different sign-in (or none) resets the whole tree first;
- a (re)connect without a live subscriber or staff session resets the tree before the snapshot
  is sent, so nothing is served for a token whose session is gone;
- the raw cookie header is dropped from the router data kept in the state store: handlers read it
  from the event's own (in-memory) routing data instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from http.cookies import CookieError, SimpleCookie

import reflex as rx
from reflex.middleware import Middleware
from reflex_base import constants
from reflex_base.event.context import EventContext

from portal_app.config import get_settings
from portal_app.models import session_scope, utcnow
from portal_app.services import auth, staff_auth

_HYDRATE_EVENTS = frozenset({"hydrate", "hydrate_and_load"})


def cookie_value(cookie_header: str, name: str) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


class TabBinding(rx.State):
    """Which sign-in this tab's tree was last used under (a keyed hash; never the cookie itself)."""

    _owner: str = ""


def event_cookie_header(state: rx.State) -> str:
    """The Cookie header of the connection that sent the event being handled.

    Read from the event's routing data, which is never persisted; unit tests that build a state by
    hand (no event context) set it on the state's router instead.
    """
    try:
        headers = EventContext.get().router_data.get(constants.RouteVar.HEADERS)
    except LookupError:
        headers = None
    if headers is not None:
        return headers.get("cookie", "")
    return state.router.headers.cookie


def _fingerprint(cookie_header: str) -> str:
    subscriber = cookie_value(cookie_header, auth.SESSION_COOKIE) or ""
    staff = cookie_value(cookie_header, staff_auth.STAFF_COOKIE) or ""
    if not subscriber and not staff:
        return ""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{subscriber}|{staff}".encode(), hashlib.sha256).hexdigest()[:32]


def _has_live_session(cookie_header: str) -> bool:
    now = utcnow()
    with session_scope() as db:
        for token, owner in (
            (cookie_value(cookie_header, auth.SESSION_COOKIE), "user_id"),
            (cookie_value(cookie_header, staff_auth.STAFF_COOKIE), "staff_user_id"),
        ):
            try:
                auth.live_session(db, token=token, now=now, owner=owner)
                return True
            except auth.SessionInvalid:
                continue
    return False


def _portal_state_classes() -> tuple[type[rx.State], ...]:
    """Every state class the portal defines (Reflex's own internal states are left alone)."""
    found: list[type[rx.State]] = []
    pending = list(rx.State.get_substates())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("portal_app."):
            found.append(cls)
        pending.extend(cls.get_substates())
    return tuple(sorted(found, key=lambda cls: cls.get_full_name()))


async def reset_tab(state: rx.State) -> None:
    """Reset every portal substate of this token's tree to its defaults (loading any not in memory)."""
    root = state._get_root_state() if hasattr(state, "_get_root_state") else state
    for cls in _portal_state_classes():
        substate = await root.get_state(cls)
        substate.reset()


def _drop_cookie_from_store(state: rx.State) -> None:
    """The router data is persisted with the state (Redis): keep the session cookies out of it."""
    headers = state.router_data.get(constants.RouteVar.HEADERS)
    if headers and "cookie" in headers:
        # A new dict: the event's own routing data (which handlers read) keeps its cookie.
        state.router_data = {
            **state.router_data,
            constants.RouteVar.HEADERS: {k: v for k, v in headers.items() if k != "cookie"},
        }
        if state.rx_router_headers.cookie:
            from reflex.istate.data import HeaderData

            state.rx_router_headers = HeaderData.from_router_data(state.router_data)


class TabGuard(Middleware):
    """Runs before every event handler of every tab (see module docstring)."""

    async def preprocess(self, app, state, event):
        try:
            headers = EventContext.get().router_data.get(constants.RouteVar.HEADERS)
        except LookupError:
            headers = None
        if headers is None:  # no connection data on this event: nothing to compare
            return None
        cookie_header = headers.get("cookie", "")
        fingerprint = _fingerprint(cookie_header)
        binding = await state.get_state(TabBinding)
        if fingerprint != binding._owner:
            if binding._owner:
                await reset_tab(state)
            binding._owner = fingerprint
        if event.name.rsplit(".", 1)[-1] in _HYDRATE_EVENTS:
            live = bool(fingerprint) and await asyncio.to_thread(_has_live_session, cookie_header)
            if not live:
                # The snapshot about to be sent must hold nothing a previous sign-in loaded.
                await reset_tab(state)
                binding._owner = ""
        _drop_cookie_from_store(state)
        return None
