"""Outbound webhooks: a subscriber's action queues a signed event for each active endpoint; a real
local HTTP receiver checks the signature; failures are retried with back-off and logged."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from factories import make_subscriber
from sqlmodel import Session, select

from portal_app.models import StaffUser, WebhookDelivery
from portal_app.services.identity import staff_auth
from portal_app.services.operations import webhooks
from portal_app.services.selfservice import tickets


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.answers, Receiver.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()


def _admin(db: Session):
    staff = StaffUser(username="boss", email="b@example.com", full_name="Pat Boss", password_hash="x", role="admin")
    db.add(staff)
    db.commit()
    return staff_auth.staff_principal(staff)


def test_a_ticket_opened_is_delivered_signed_then_retried_on_failure(db: Session, receiver: str) -> None:
    admin = _admin(db)
    _, secret = webhooks.add_endpoint(db, principal=admin, url=receiver)
    me = make_subscriber(db)
    db.commit()
    tickets.open_ticket(db, principal=me.principal, category="Billing", subject="Bill", description="Why so high?")
    db.commit()
    Receiver.answers = [500]
    assert webhooks.deliver_due(db) == "0 delivered, 1 failed (retried later)"
    delivery = db.exec(select(WebhookDelivery)).one()
    assert (delivery.attempts, delivery.last_error, delivery.delivered_at) == (1, "HTTP 500", None)
    assert webhooks.deliver_due(db) == "0 delivered, 0 failed (retried later)"  # not due before its back-off
    assert webhooks.deliver_due(db, now=delivery.next_attempt_at) == "1 delivered, 0 failed (retried later)"
    headers, body = Receiver.received[-1]
    stamp, digest = (part.split("=", 1)[1] for part in headers["Portal-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(digest, expected)
    assert b'"event": "ticket.opened"' in body and me.account.account_number.encode() in body
    log = webhooks.deliveries(db, principal=admin)
    assert [(d.event, d.state, d.attempts) for d in log] == [("ticket.opened", "delivered", 2)]


def test_staff_actions_and_disabled_endpoints_send_nothing(db: Session, receiver: str) -> None:
    admin = _admin(db)
    endpoint_id, _ = webhooks.add_endpoint(db, principal=admin, url=receiver)
    webhooks.set_endpoint_active(db, principal=admin, endpoint_id=endpoint_id, active=False)
    me = make_subscriber(db)
    db.commit()
    tickets.open_ticket(db, principal=me.principal, category="Billing", subject="Bill", description="Hello")
    db.commit()
    assert db.exec(select(WebhookDelivery)).all() == []
    with pytest.raises(Exception):
        webhooks.add_endpoint(db, principal=admin, url="ftp://nope")
