"""Live updates, the worker's side: a subscriber's open page shows a change made elsewhere (staff, a job,
another worker) without a reload and without any polling.

Each worker keeps which of ITS connected tabs are signed in to which account (and its service area) and
on which page: a tab is registered by each signed-in page load and dropped on disconnect, sign-out and
any reset of the tab. Messages arrive from the transport (portal_app/integrations/live.py: Redis pub/sub
with several workers, or straight from this process without Redis). For each registered tab a message
concerns, the worker pushes a Reflex state update to that tab through Reflex's own channel
(`emit_update`, as `app.modify_state` does with its delta) carrying one event: the current page's
loader, or for an outage notice the banner's refresh. The tab runs it like any tap: with its own
session cookie (which, by design, is kept in no stored state: see connection.py), its session checked,
everything read within its own account. So a message never carries data, a message for account X never
reaches a tab of account Y, and staff tabs (never registered) get nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from reflex.event import Event
from reflex.state import StateUpdate

from portal_app.integrations import live as transport

log = logging.getLogger("portal.live")
RECONNECT_SECONDS = 2.0

# The pages that show each kind of change; an outage notice shows in the banner of every page.
PAGES = {
    "order": ("/orders", "/", "/calendar"),
    "ticket": ("/ticket", "/tickets", "/calendar"),
    "payment": ("/", "/payments", "/invoices", "/calendar"),
}


@dataclass(frozen=True)
class Tab:
    account_id: int
    area_id: int | None
    route: str


_tabs: dict[str, Tab] = {}
_app: Any = None
_page_loaders: dict[str, list] = {}  # route -> its on_load handlers (components/shell.py PAGE_LOADERS)
_banner_refresh: list = []  # what reads the outage banners again (SessionState.require_subscriber)
_loop: asyncio.AbstractEventLoop | None = None
_listener: asyncio.Task | None = None


def install(app: Any, *, page_loaders: dict[str, list], banner_refresh: Any) -> None:
    """Called once with the rx.App (tabs are pushed to through it; without Redis this process's own changes
    arrive here), each page's loaders and the banners' refresh."""
    global _app
    _app = app
    configure(page_loaders=page_loaders, banner_refresh=banner_refresh)
    transport.listen_locally(_from_any_thread)
    _drop_on_disconnect()


def configure(*, page_loaders: dict[str, list], banner_refresh: Any) -> None:
    global _page_loaders, _banner_refresh
    _page_loaders, _banner_refresh = page_loaders, [banner_refresh]


def _drop_on_disconnect() -> None:
    from reflex.app import EventNamespace

    if getattr(EventNamespace.on_disconnect, "_portal_live", False):
        return
    original = EventNamespace.on_disconnect

    def on_disconnect(self, sid: str):
        token = self.sid_to_token.get(sid)
        if token:
            drop(token)
        return original(self, sid)

    on_disconnect._portal_live = True  # type: ignore[attr-defined]
    EventNamespace.on_disconnect = on_disconnect  # type: ignore[method-assign]


def register(token: str, *, account_id: int, area_id: int | None, route: str) -> None:
    """A subscriber's page loaded in this tab (on this worker, on the event loop)."""
    global _loop
    if not token:
        return
    route = "/" if route in ("", "/index", "index") else (route.rstrip("/") or "/")  # Reflex names home "index"
    _tabs[token] = Tab(account_id=int(account_id), area_id=area_id, route=route)
    _loop = asyncio.get_running_loop()
    _ensure_listener()


def loaders_for(route: str) -> list:
    """The on_load handlers of a page (what re-reads it for the tab's account)."""
    route = "/" if route in ("", "/index", "index") else (route.rstrip("/") or "/")
    return list(_page_loaders.get(route, ()))


def drop(token: str) -> None:
    _tabs.pop(token, None)


def tabs_for(message: dict[str, Any]) -> list[tuple[str, Tab]]:
    """The registered tabs a message concerns: its accounts, or the accounts in its service areas."""
    accounts = set(message.get("accounts") or ())
    areas = set(message.get("areas") or ())
    every = bool(message.get("all"))
    return [(token, tab) for token, tab in list(_tabs.items())
            if every or tab.account_id in accounts or (tab.area_id is not None and tab.area_id in areas)]


def events_for(kind: str, route: str) -> list:
    """What a tab on `route` runs for a change of `kind`: the page's loader where the page shows it,
    the banners' refresh for an outage anywhere else, else nothing."""
    if route in PAGES.get(kind, ()):
        return list(_page_loaders.get(route, ()))
    if kind == "outage":
        return list(_banner_refresh)  # reads the banners with the session check, as a page load does
    return []


def _connected_here(token: str) -> bool:
    namespace = getattr(_app, "event_namespace", None)
    if namespace is None:
        return False
    manager = namespace._token_manager
    record = manager.token_to_socket.get(token)
    return record is not None and record.instance_id == manager.instance_id


async def deliver(message: dict[str, Any]) -> int:
    """Push the message to the tabs it concerns; returns how many were told."""
    kind = str(message.get("kind", ""))
    told = 0
    for token, tab in tabs_for(message):
        if not _connected_here(token):
            drop(token)  # its socket closed or moved to another worker (which registers it on its next load)
            continue
        handlers = events_for(kind, tab.route)
        if not handlers:
            continue
        try:
            await _app.event_namespace.emit_update(StateUpdate(events=Event.from_event_type(handlers)), token)
            told += 1
        except Exception as problem:  # noqa: BLE001 - one tab never stops the others
            log.warning("Live update not pushed to a tab: %s", type(problem).__name__)
    return told


def _from_any_thread(message: dict[str, Any]) -> None:
    """Without Redis: a commit in this process (on a worker thread) hands its message to the loop."""
    loop = _loop
    if loop is None or loop.is_closed() or not _tabs:
        return
    loop.call_soon_threadsafe(lambda: asyncio.ensure_future(deliver(message)))


def _ensure_listener() -> None:
    global _listener
    if not transport.redis_url() or (_listener is not None and not _listener.done()):
        return
    _listener = asyncio.ensure_future(_listen())


async def _listen() -> None:
    """With Redis: every message any process publishes, for as long as this worker lives."""
    import redis.asyncio as aioredis

    while True:
        try:
            client = aioredis.from_url(transport.redis_url())
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(transport.CHANNEL)
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    with contextlib.suppress(ValueError, TypeError):
                        await deliver(json.loads(item["data"]))
        except asyncio.CancelledError:
            raise
        except Exception as problem:  # noqa: BLE001 - Redis away: listen again shortly
            log.warning("Live updates: Redis subscription lost (%s); trying again", type(problem).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)
