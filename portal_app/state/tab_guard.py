"""Keeps a tab's Reflex state from outliving the sign-in it was loaded under.

Reflex serves a tab's whole state tree to whoever holds the tab token (it sits in
`sessionStorage` and in the websocket URL). So:

- every event compares a keyed fingerprint of the connection's session cookies with the one the
  tree was last used under; a different sign-in (or none) resets the whole tree first;
- a (re)connect without a live subscriber or staff session resets the tree before the snapshot
  is sent, so nothing is served for a token whose session is gone;
- cookies never enter the router data kept in the state store: the connection's are held beside it
  (connection.py) and handlers read them from there (`event_cookie`); credentials in a link's query
  are dropped from the stored copy, and handlers read them from the event's own routing data.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import reflex as rx
from reflex.istate.data import HeaderData, PageData, URLData
from reflex.middleware import Middleware
from reflex_base import constants
from reflex_base.event.context import EventContext

from portal_app.models import session_scope, utcnow
from portal_app.services.identity import auth, staff_auth
from portal_app.state import connection, live
from portal_app.state.language import LanguageState

_HYDRATE_EVENTS = frozenset({"hydrate", "hydrate_and_load"})
# Query parameters that carry a credential (email links, Quick Pay links, sign-in tickets).
SECRET_PARAMS = frozenset({"token", "t", "ticket"})


class TabBinding(rx.State):
    """Which sign-in this tab's tree was last used under (a keyed hash; never the cookie itself)."""

    _owner: str = ""


def event_cookies(state: rx.State) -> connection.Cookies:
    """The cookies of the connection that sent the event being handled (kept beside the router data,
    see connection.py). An event built by hand (unit tests) carries them in its headers instead."""
    try:
        router_data = EventContext.get().router_data
    except LookupError:
        router_data = None
    if router_data is None:
        return connection.Cookies(state.router.headers.cookie)
    held = connection.of_socket(router_data.get(constants.RouteVar.SESSION_ID))
    if held is not None:
        return held
    return connection.Cookies((router_data.get(constants.RouteVar.HEADERS) or {}).get("cookie", ""))


def event_cookie(state: rx.State, name: str) -> str | None:
    """One cookie of the connection that sent the event being handled (None when it has none)."""
    return event_cookies(state).get(name)


def event_query_param(state: rx.State, name: str) -> str:
    """One query parameter of the page that sent the event, read from the event's routing data.

    Credentials in links are dropped from the stored router data (see `_drop_secrets_from_store`),
    so handlers read them here rather than from `self.router.url`.
    """
    try:
        query = EventContext.get().router_data.get(constants.RouteVar.QUERY)
    except LookupError:
        query = None
    if query is None:
        return (parse_qs(state.router.url.query or "").get(name) or [""])[0]
    value = query.get(name, "")
    return value if isinstance(value, str) else (value[0] if value else "")


def _has_live_session(cookies: connection.Cookies) -> bool:
    now = utcnow()
    with session_scope() as db:
        for token, owner in (
            (cookies.get(auth.SESSION_COOKIE), "user_id"),
            (cookies.get(staff_auth.STAFF_COOKIE), "staff_user_id"),
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
    live.drop(root.router.session.client_token)  # no live update reaches a tab that was reset
    # The language is no secret of the sign-in: the tab keeps reading it after sign-out.
    language = await root.get_state(LanguageState)
    lang = language.lang
    for cls in _portal_state_classes():
        substate = await root.get_state(cls)
        substate.reset()
    if lang:
        language.lang = lang


def _without_secret_params(as_path: str) -> str:
    """`as_path` without credentials in its query, including in the page it returns to (`next`, e.g. the
    sign-in page for an invitation link: /signin?next=/invitation?token=…)."""
    parts = urlsplit(as_path)
    kept = [(k, _without_secret_params(v) if k == "next" else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _query_without_secrets(query: dict) -> dict:
    return {k: _without_secret_params(v) if k == "next" and isinstance(v, str) else v
            for k, v in query.items() if k not in SECRET_PARAMS}


def _drop_secrets_from_store(state: rx.State) -> None:
    """The router data is persisted with the state (Redis): keep cookies and link tokens out.

    A connection's cookies never reach it (connection.py); a Cookie header that did anyway (an event
    built by hand, or a Reflex that builds router data elsewhere) is dropped here all the same.
    New dicts throughout: the event's own routing data, which handlers read, keeps the link's query.
    """
    router_data = state.router_data
    headers = router_data.get(constants.RouteVar.HEADERS)
    if headers and "cookie" in headers:
        router_data = {
            **router_data,
            constants.RouteVar.HEADERS: {k: v for k, v in headers.items() if k != "cookie"},
        }
        state.router_data = router_data
        state.rx_router_headers = HeaderData.from_router_data(router_data)
    query = router_data.get(constants.RouteVar.QUERY)
    if not query:
        return
    kept = _query_without_secrets(query)
    if kept != query:
        router_data = {
            **router_data,
            constants.RouteVar.QUERY: kept,
            constants.RouteVar.ORIGIN: _without_secret_params(router_data.get(constants.RouteVar.ORIGIN, "")),
        }
        state.router_data = router_data
        state.rx_router_url = URLData.from_router_data(router_data)
        state.rx_router_page = PageData.from_router_data(router_data)


class TabGuard(Middleware):
    """Runs before every event handler of every tab (see module docstring)."""

    async def preprocess(self, app, state, event):
        try:
            EventContext.get()
        except LookupError:  # no connection data on this event: nothing to compare
            return None
        cookies = event_cookies(state)
        binding = await state.get_state(TabBinding)
        if cookies.fingerprint != binding._owner:
            if binding._owner:
                await reset_tab(state)
            binding._owner = cookies.fingerprint
        if event.name.rsplit(".", 1)[-1] in _HYDRATE_EVENTS:
            live = bool(cookies.fingerprint) and await asyncio.to_thread(_has_live_session, cookies)
            if not live:
                # The snapshot about to be sent must hold nothing a previous sign-in loaded.
                await reset_tab(state)
                binding._owner = ""
        _drop_secrets_from_store(state)
        return None
