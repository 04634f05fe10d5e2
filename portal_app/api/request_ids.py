"""Every HTTP request gets an id its log lines carry: the proxy's X-Request-ID, or a new one."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from portal_app.api.middleware import HttpMiddleware
from portal_app.observability import request_id

_SAFE = re.compile(r"[A-Za-z0-9_-]{8,64}")


class RequestIds(HttpMiddleware):
    """ASGI middleware: sets the request id for the request's log lines and echoes it in X-Request-ID."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"x-request-id"), "")
        current = given if _SAFE.fullmatch(given) else secrets.token_hex(16)
        reset = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("x-request-id", current)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(reset)
