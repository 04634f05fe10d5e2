"""A local HTTP stub that answers like Stripe's API, for the Stripe gateway's every state and error.

stripe-python is pointed at it (`api_base`), so requests, error parsing and the exception classes
are stripe-python's own. Answers are Stripe-shaped JSON bodies with Stripe's status codes:
`answer(...)` sets a standing answer for a route, `queue(...)` a one-shot answer used first.
Every request is kept (method, path, form fields, headers) so tests can assert what was sent.
`route(...)` hands a path prefix to a function, for pages that are not JSON (a Checkout-style page).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]
    body: str
    headers: dict[str, str]


def error_body(kind: str, message: str, **fields) -> dict:
    return {"error": {"type": kind, "message": message, **fields}}


def intent(intent_id: str = "pi_stub_1", status: str = "succeeded", *, amount: int = 6400, metadata=None,
           **fields) -> dict:
    return {"id": intent_id, "object": "payment_intent", "status": status, "amount": amount, "currency": "usd",
            "metadata": metadata or {}, "last_payment_error": None, "next_action": None, **fields}


class StripeStub:
    def __init__(self) -> None:
        self.standing: dict[tuple[str, str], tuple[int, dict]] = {}
        self.queued: dict[tuple[str, str], list[tuple[int, dict]]] = defaultdict(list)
        self.seen: list[Seen] = []
        self.routes: list[tuple[str, str, object]] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                form = dict(parse_qsl(body or parts.query, keep_blank_values=True))
                seen = Seen(self.command, parts.path, form, body, dict(self.headers))
                for method, prefix, handler in stub.routes:
                    if method == self.command and parts.path.startswith(prefix):
                        stub.seen.append(seen)
                        status, content_type, data, headers = handler(seen)
                        self.send_response(status)
                        for name, value in {"content-type": content_type, **headers}.items():
                            self.send_header(name, value)
                        self.send_header("content-length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                status, answer = stub._answer(self.command, parts.path, seen)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("request-id", "req_stub")
                self.send_header("stripe-should-retry", "false")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _answer(self, method: str, path: str, seen: Seen) -> tuple[int, dict]:
        with self._lock:
            self.seen.append(seen)
            key = (method, path)
            if self.queued[key]:
                return self.queued[key].pop(0)
            if key in self.standing:
                return self.standing[key]
        return 404, error_body("invalid_request_error", f"No stub for {method} {path}", code="resource_missing")

    def answer(self, method: str, path: str, status: int, body: dict) -> None:
        self.standing[(method, path)] = (status, body)

    def queue(self, method: str, path: str, status: int, body: dict) -> None:
        self.queued[(method, path)].append((status, body))

    def route(self, method: str, prefix: str, handler) -> None:
        """handler(seen) -> (status, content type, body bytes, extra headers)."""
        self.routes.append((method, prefix, handler))

    def requests(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signed(payload: str, secret: str) -> dict:
    """Headers with a real Stripe-Signature for `payload`."""
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return {"stripe-signature": f"t={stamp},v1={signature}", "content-type": "application/json"}


def event(event_id: str, kind: str, obj: dict) -> str:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "api_version": "2024-06-20",
                       "created": int(time.time()), "data": {"object": obj}})
