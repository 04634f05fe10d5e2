"""The visitor's address behind the reverse proxy: one rule for the portal's HTTP routes and events.

Reflex resolves a websocket's client address from `X-Forwarded-For` only through
`REFLEX_TRUSTED_PROXY_HOPS` trusted proxies (the N-th entry from the right; without it the header
is ignored, as a visitor could write it). The portal's own HTTP routes (the session cookie
hand-off, the integration API, request logs) use the same rule here, so a session, a rate-limit
bucket and a piece of signature evidence name the same address whichever way it arrived.
"""

from __future__ import annotations


def resolve(*, peer: str, forwarded_for: str, hops: int) -> str:
    """The address `hops` trusted proxies vouch for; the TCP peer when there are none or too few."""
    if hops > 0:
        forwarded = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return peer


def trusted_proxy_hops() -> int:
    from reflex.config import get_config

    return int(get_config().trusted_proxy_hops or 0)


def client_address(request) -> str:
    """A Starlette request's client address (or an ASGI scope's), as Reflex resolves it for events."""
    scope = request.scope if hasattr(request, "scope") else request
    client = scope.get("client")
    peer = client[0] if client else ""
    forwarded_for = ", ".join(value.decode("latin-1") for name, value in scope.get("headers", [])
                              if name == b"x-forwarded-for")
    return resolve(peer=peer, forwarded_for=forwarded_for, hops=trusted_proxy_hops())
