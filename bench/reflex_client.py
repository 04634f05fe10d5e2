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

A connection that drops (its worker died, the proxy closed it) is connected again the way state.js
does it: at once, with the **same tab token** and the same cookies, the hydrate in the CONNECT packet
without the initial hashes (a reconnect hydrates in full), and after a failed attempt again after
200 ms x attempts (at most 2 s). A drop this client asked for (`close`) is not followed (state.js
also leaves a socket.io-level "io server disconnect" alone; python-socketio reports that and an
engine.io close from a stopping worker with one reason, and a worker's close must be followed).
Each drop is kept in `reconnects` (`Reconnect`): when it happened, when the page was loaded again,
how many attempts it took, and whether the page was sent to sign in instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class Reconnect:
    """One dropped connection and how the tab came back (times are time.monotonic(): one clock for
    every process on the machine)."""

    lost_at: float
    reason: str
    attempts: int = 0  # connection attempts; 1 = connected again at the first try
    loaded_at: float | None = None  # hydrated and the page's data there again
    signed_out: bool = False  # sent to the sign-in page instead of its own
    problems: list[str] = field(default_factory=list)  # why each failed attempt failed


SIGN_IN_PATH = "/signin"
RECONNECT_BACKOFF = 0.2  # state.js: 200 ms x failed attempts (at most 10)


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
        self.last_delta_fields: dict[str, list[str]] = {}  # the fields the last message changed, by state
        self._waiters: list[tuple[Callable[[Delta], bool], asyncio.Future]] = []
        self.reconnects: list[Reconnect] = []
        self.reconnect_timeout = 120.0  # how long a reconnected tab waits for its page at most
        self._loaded: Callable[[Delta], bool] = lambda state: True
        self._closing = False
        self._following: asyncio.Task | None = None
        self._dropped = asyncio.Event()
        self.sio = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, http_session=http,
            websocket_extra_options={"protocols": (REFLEX_VERSION,)},
        )
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    # --- what the page sends ---------------------------------------------------------------------

    def router_data(self) -> dict[str, Any]:
        search = "&".join(f"{k}={v}" for k, v in self.query.items())
        data: dict[str, Any] = {"pathname": self.path, "asPath": self.path + (f"?{search}" if search else "")}
        if self.query:
            data["query"] = dict(self.query)
        return data

    def _hydrated(self, loaded: Callable[[Delta], bool]) -> asyncio.Future:
        """Done when the page is hydrated and loaded, or sent to sign in (`signed_out`)."""
        return self._wait(lambda state: self.signed_out() or (
            state.get(ROOT_STATE, {}).get(IS_HYDRATED) is True and loaded(state)))

    def signed_out(self) -> bool:
        """The server sent this page to the sign-in page."""
        return any(event.get("name") == "_redirect" and str(event.get("payload", {}).get("path", ""))
                   .startswith(SIGN_IN_PATH) for event in self.frontend_events)

    async def _connect(self, *, first: bool, timeout: float) -> None:
        """Open the socket with the hydrate in the CONNECT packet (the initial hashes on the first
        connect only, as state.js's `initialEvents(first)`)."""
        boot: dict[str, Any] = {"name": f"{ROOT_STATE}.hydrate_and_load", "router_data": self.router_data()}
        if first and self.hashes:
            boot["payload"] = {"hashes": self.hashes}
        auth: dict[str, Any] = {"event": boot}
        if self.state_schema:
            auth["state_schema"] = self.state_schema
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        # A fresh headers dict: python-engineio takes the Cookie header out of the dict it is given.
        await self.sio.connect(f"{self.base_url}?token={self.token}", headers={"Origin": origin}, auth=auth,
                               transports=["websocket"], namespaces=[NAMESPACE], socketio_path=NAMESPACE,
                               wait_timeout=timeout)

    async def open(self, loaded: Callable[[Delta], bool], *, timeout: float = 60.0, quiet: float = 0.3) -> float:
        """Connect, hydrate and wait for the page's on_load work to finish; the seconds it took.
        From then on a dropped connection is connected again (see the module's docstring)."""
        started = time.perf_counter()
        self._loaded = loaded
        hydrated = self._hydrated(loaded)
        try:
            await self._connect(first=True, timeout=timeout)
            await asyncio.wait_for(hydrated, timeout)
        except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as problem:
            raise TabError(f"{self.path} did not load: {problem!r}; frontend events {self.frontend_events[-3:]}, "
                           f"states {sorted(self.state)}") from problem
        finally:
            self._drop_waiter(hydrated)
        if self.signed_out():
            raise TabError(f"{self.path} was sent to sign in: {self.frontend_events[-3:]}")
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
        started, heard = time.perf_counter(), self.messages
        event: dict[str, Any] = {"name": name, "router_data": self.router_data()}
        if payload:
            event["payload"] = payload
        await self.sio.emit("event", event, namespace=NAMESPACE)
        try:
            await asyncio.wait_for(answered, timeout)
        except asyncio.TimeoutError as problem:
            raise TabError(f"no answer to {name} in {timeout} s; {self.messages - heard} messages meanwhile, the last "
                           f"changed {self.last_delta_fields}; frontend events {self.frontend_events[-3:]}") from problem
        finally:
            self._drop_waiter(answered)
        return time.perf_counter() - started

    async def close(self) -> None:
        self._closing = True
        if self._following is not None:
            self._following.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._following
        await self.sio.disconnect()

    # --- a dropped connection ----------------------------------------------------------------------

    @property
    def coming_back(self) -> bool:
        """A dropped connection is being connected again (attempts or the page's load under way)."""
        return self._following is not None

    def _on_disconnect(self, reason: Any = None) -> None:
        self._dropped.set()
        if self._closing or self._following is not None:
            return  # closing, or already coming back (the attempt under way sees `_dropped`)
        if reason == self.sio.reason.CLIENT_DISCONNECT:
            return
        self._following = asyncio.get_running_loop().create_task(self._reconnect(str(reason)))

    async def _reconnect(self, reason: str) -> None:
        record = Reconnect(lost_at=time.monotonic(), reason=reason)
        self.reconnects.append(record)
        try:
            while not self._closing:
                record.attempts += 1
                self._dropped.clear()
                self.state, self.frontend_events = {}, []  # a full hydrate sends everything again
                hydrated = self._hydrated(self._loaded)
                dropped = asyncio.ensure_future(self._dropped.wait())
                try:
                    await self._connect(first=False, timeout=self.reconnect_timeout)
                    await asyncio.wait({hydrated, dropped}, timeout=self.reconnect_timeout,
                                       return_when=asyncio.FIRST_COMPLETED)
                except socketio.exceptions.ConnectionError as problem:
                    record.problems.append(repr(problem)[:200])
                finally:
                    dropped.cancel()
                    self._drop_waiter(hydrated)
                if hydrated.done():
                    record.loaded_at = time.monotonic()
                    record.signed_out = self.signed_out()
                    return
                if self.sio.connected and not self._dropped.is_set():
                    record.problems.append(f"connected, page not loaded in {self.reconnect_timeout:.0f} s")
                    return  # the browser would wait on; the bench gives this tab up
                if self.sio.connected:
                    with contextlib.suppress(Exception):
                        await self.sio.disconnect()
                await asyncio.sleep(RECONNECT_BACKOFF * min(record.attempts, 10))
        finally:
            self._following = None

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
        self.last_delta_fields = {name.rsplit(".", 1)[-1]: sorted(fields) for name, fields in delta.items()}
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
