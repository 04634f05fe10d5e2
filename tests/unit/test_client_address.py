"""The client address behind a proxy: the portal's HTTP routes read X-Forwarded-For exactly as
Reflex does for websocket events (REFLEX_TRUSTED_PROXY_HOPS), so both name the same visitor."""

from __future__ import annotations

import pytest
from reflex import constants
from reflex.app import EventNamespace
from reflex.config import get_config

from portal_app.api.client_address import client_address, resolve

CASES = [
    # (hops, X-Forwarded-For, expected)
    (0, "", "10.0.0.9"),
    (0, "198.51.100.7", "10.0.0.9"),  # no trusted proxy: the header is the visitor's own words
    (1, "", "10.0.0.9"),
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # the visitor wrote the first entry; the proxy the last
    (2, "198.51.100.7, 203.0.113.5", "198.51.100.7"),
    (2, "203.0.113.5", "10.0.0.9"),  # fewer entries than proxies: trust none of them
    (1, " 203.0.113.5 ,, ", "203.0.113.5"),
    (1, "2001:db8::1", "2001:db8::1"),
]


def _scope(forwarded_for: str) -> dict:
    headers = [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else []
    return {"type": "http", "client": ("10.0.0.9", 51000), "headers": headers}


@pytest.mark.parametrize(("hops", "forwarded_for", "expected"), CASES)
def test_http_routes_and_reflex_events_agree_on_the_client_address(
        monkeypatch: pytest.MonkeyPatch, hops: int, forwarded_for: str, expected: str) -> None:
    monkeypatch.setattr(get_config(), "trusted_proxy_hops", hops)
    ours = client_address(_scope(forwarded_for))
    # What Reflex records as `router.session.client_ip` for a websocket opened with the same request.
    router = EventNamespace._build_static_router_data(None, "sid", {"asgi.scope": _scope(forwarded_for)})
    reflexs = router[constants.RouteVar.CLIENT_IP]
    assert ours == expected
    assert reflexs == expected


def test_resolve_without_a_peer_or_header() -> None:
    assert resolve(peer="", forwarded_for="", hops=1) == ""
    assert resolve(peer="127.0.0.1", forwarded_for="a, b, c", hops=3) == "a"
