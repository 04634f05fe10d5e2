"""One browser tab, speaking Reflex 0.10.1's websocket protocol the way its frontend does
(reflex_base/.templates/web/utils/state.js and the compiled utils/context.js):

- socket.io over the `websocket` transport at `/_event`, namespace `/_event`, the tab's token in the query string
  (`?token=<uuid>`), the Reflex version as websocket subprotocol, the page's Origin, and the
  cookies of its own jar (an aiohttp session per tab, which python-engineio uses for the handshake);
- the first event rides in the socket.io CONNECT packet: `auth = {"event": <hydrate_and_load>,
  "state_schema": <hash>}`, its payload the hashes of the compiled initial state (so the backend
  sends only the vars that differ) and its router data the page's `pathname` and `asPath`
  (plus `query` when there is one);
- later events are `emit("event", {"name": "<state>.<handler>", "payload": {...}, "router_data": ...})`;
- the server answers with `event` messages `{"delta": {state: {field_rx_state_: value}}, "events": [...]}`.

A tab counts as loaded once the hydrate snapshot, every on_load delta and the closing
`is_hydrated = true` have arrived *and* the page's own data is there *and* the socket has then been
quiet for a moment (an on_load handler may chain more events after the hydrated flag).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import socketio

from bench.apps import IS_HYDRATED, ROOT_STATE

REFLEX_VERSION = "0.10.1"
NAMESPACE = "/_event"  # Reflex's socket.io path and namespace
Delta = dict[str, dict[str, Any]]


class TabError(RuntimeError):
    pass


class Tab:
    def __init__(self, base_url: str, path: str, *, http: aiohttp.ClientSession,
                 hashes: list[str] | None = None, state_schema: str | None = None, query: dict[str, str] | None = None
                 ) -> None:
        self.base_url = base_url
        self.path = path
        self.query = query or {}
        self.http = http
        self.hashes = hashes
        self.state_schema = state_schema
        self.token = str(uuid.uuid4())
        self.state: Delta = {}  # every delta received so far, merged
        self.frontend_events: list[dict] = []  # redirects, scripts the server asked the page to run
        self.messages = 0
        self.last_message = time.perf_counter()
        self._waiters: list[tuple[Callable[[Delta], bool], asyncio.Future]] = []
        self.sio = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, http_session=http,
            websocket_extra_options={"protocols": (REFLEX_VERSION,)},
        )
        self.sio.on("event", self._on_event, namespace=NAMESPACE)

    # --- what the page sends ---------------------------------------------------------------------

    def router_data(self) -> dict[str, Any]:
        search = "&".join(f"{k}={v}" for k, v in self.query.items())
        data: dict[str, Any] = {"pathname": self.path, "asPath": self.path + (f"?{search}" if search else "")}
        if self.query:
            data["query"] = dict(self.query)
        return data

    async def open(self, loaded: Callable[[Delta], bool], *, timeout: float = 60.0, quiet: float = 0.3) -> float:
        """Connect, hydrate and wait for the page's on_load work to finish; the seconds it took."""
        started = time.perf_counter()
        boot: dict[str, Any] = {"name": f"{ROOT_STATE}.hydrate_and_load", "router_data": self.router_data()}
        if self.hashes:
            boot["payload"] = {"hashes": self.hashes}
        auth: dict[str, Any] = {"event": boot}
        if self.state_schema:
            auth["state_schema"] = self.state_schema
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        hydrated = self._wait(lambda state: state.get(ROOT_STATE, {}).get(IS_HYDRATED) is True and loaded(state))
        try:
            # A fresh headers dict: python-engineio takes the Cookie header out of the dict it is given.
            await self.sio.connect(f"{self.base_url}?token={self.token}", headers={"Origin": origin}, auth=auth,
                                   transports=["websocket"], namespaces=[NAMESPACE], socketio_path=NAMESPACE,
                                   wait_timeout=timeout)
            await asyncio.wait_for(hydrated, timeout)
        except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as problem:
            raise TabError(f"{self.path} did not load: {problem!r}; frontend events {self.frontend_events[-3:]}, "
                           f"states {sorted(self.state)}") from problem
        finally:
            self._drop_waiter(hydrated)
        await self.settle(quiet, timeout=timeout)
        return self.last_message - started

    async def settle(self, quiet: float, *, timeout: float = 30.0) -> None:
        """Wait until nothing has arrived for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while (idle := time.perf_counter() - self.last_message) < quiet:
            if time.perf_counter() > deadline:
                raise TabError(f"{self.path} kept talking for {timeout} s")
            await asyncio.sleep(quiet - idle)

    async def call(self, name: str, payload: dict[str, Any], done: Callable[[Delta], bool], *, timeout: float = 30.0
                   ) -> float:
        """Send one event (as a click would) and wait for the delta that answers it; its latency in seconds.
        `done` is checked against each message's own delta, not the merged state."""
        answered = self._wait(done, merged=False)
        started = time.perf_counter()
        event: dict[str, Any] = {"name": name, "router_data": self.router_data()}
        if payload:
            event["payload"] = payload
        await self.sio.emit("event", event, namespace=NAMESPACE)
        try:
            await asyncio.wait_for(answered, timeout)
        except asyncio.TimeoutError as problem:
            raise TabError(f"no answer to {name} in {timeout} s; frontend events {self.frontend_events[-3:]}") from problem
        finally:
            self._drop_waiter(answered)
        return time.perf_counter() - started

    async def close(self) -> None:
        await self.sio.disconnect()

    # --- what the server sends -------------------------------------------------------------------

    def _wait(self, predicate: Callable[[Delta], bool], *, merged: bool = True) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        future.merged = merged  # type: ignore[attr-defined]
        self._waiters.append((predicate, future))
        return future

    def _drop_waiter(self, future: asyncio.Future) -> None:
        self._waiters = [(p, f) for p, f in self._waiters if f is not future]

    async def _on_event(self, update: dict[str, Any]) -> None:
        self.last_message = time.perf_counter()
        self.messages += 1
        delta: Delta = update.get("delta") or {}
        for substate, fields in delta.items():
            self.state.setdefault(substate, {}).update(fields)
        self.frontend_events.extend(update.get("events") or [])
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(self.state if future.merged else delta):  # type: ignore[attr-defined]
                future.set_result(None)


def find_state(state: Delta, suffix: str) -> str | None:
    """The full name of the substate whose own name ends with `suffix` (e.g. "invoices_state")."""
    for name in state:
        if name.rsplit(".", 1)[-1].endswith(suffix):
            return name
    return None
