"""A tab's cookies, kept beside Reflex's router data for as long as its websocket lives, never in it.

The browser sends its cookies once, with the websocket's handshake, and they hold for the connection's
life. Reflex would copy that Cookie header into every event's router data and from there into the tab's
stored state (Redis): the session cookie would sit in the store, and since the tab guard scrubbed the
stored copy, Reflex would see the headers "change" on every event and rebuild them, and the tab guard
would parse the cookies again each time (together ~15% of a pager tap's CPU). So the Cookie header is
taken out where Reflex builds a connection's router data, kept here per socket, parsed once, and
dropped when the socket goes (or its connect is refused).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from http.cookies import CookieError, SimpleCookie

from reflex import constants
from reflex.app import EventNamespace

from portal_app.config import get_settings
from portal_app.services.identity import auth, staff_auth


class Cookies:
    """One connection's Cookie header, parsed on first use."""

    def __init__(self, header: str) -> None:
        self.header = header

    @functools.cached_property
    def _values(self) -> dict[str, str]:
        if not self.header:
            return {}
        jar = SimpleCookie()
        try:
            jar.load(self.header)
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in jar.items()}

    def get(self, name: str) -> str | None:
        return self._values.get(name) or None

    @functools.cached_property
    def fingerprint(self) -> str:
        """A keyed hash of the sign-ins this connection carries (subscriber and staff), "" for none: what
        the tab guard compares with the sign-in the tab's state was loaded under (never the cookie itself)."""
        subscriber = self.get(auth.SESSION_COOKIE) or ""
        staff = self.get(staff_auth.STAFF_COOKIE) or ""
        if not subscriber and not staff:
            return ""
        key = get_settings().secret_key.encode()
        return hmac.new(key, f"{subscriber}|{staff}".encode(), hashlib.sha256).hexdigest()[:32]


NO_COOKIES = Cookies("")
_by_socket: dict[str, Cookies] = {}


def of_socket(sid: str | None) -> Cookies | None:
    """The cookies the websocket `sid` was opened with (None: not a connection this worker holds)."""
    return _by_socket.get(sid) if sid else None


def install() -> None:
    """Have Reflex's event namespace leave the Cookie header out of a connection's router data (kept
    here instead), and forget it with the connection."""
    if getattr(EventNamespace._build_static_router_data, "_portal_cookies", False):
        return
    build, connect, disconnect = (EventNamespace._build_static_router_data, EventNamespace.on_connect,
                                  EventNamespace.on_disconnect)

    def _build_static_router_data(self, sid, environ):
        router_data = build(self, sid, environ)
        headers = router_data.get(constants.RouteVar.HEADERS) or {}
        _by_socket[sid] = Cookies(headers.pop("cookie", ""))
        return router_data

    async def on_connect(self, sid, environ, auth=None):
        try:
            return await connect(self, sid, environ, auth)
        except BaseException:
            _by_socket.pop(sid, None)  # a refused connect never reaches on_disconnect
            raise

    def on_disconnect(self, sid):
        _by_socket.pop(sid, None)
        return disconnect(self, sid)

    _build_static_router_data._portal_cookies = True  # type: ignore[attr-defined]
    EventNamespace._build_static_router_data = _build_static_router_data
    EventNamespace.on_connect = on_connect
    EventNamespace.on_disconnect = on_disconnect
