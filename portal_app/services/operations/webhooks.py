"""Outbound webhooks: when a subscriber pays, signs, orders, books or opens a ticket, and when an
account's service is suspended, restored or disconnected (by anyone: staff, the API, a payment), each
active endpoint gets a signed JSON POST, retried with back-off, every attempt in the delivery log.

Events are written in the same transaction as the account-history entry that records the action
(history.record calls `emit`), so a rolled-back action never announces itself. The signature:
header `Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's
secret>`; receivers recompute it and refuse old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from portal_app.models import Account, AccountHistory, WebhookDelivery, WebhookEndpoint, utcnow
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import seal, unseal

# (history kind, action) -> event name; only what subscribers themselves do.
EVENTS = {
    ("payment", "succeeded"): "payment.succeeded",
    ("contract", "signed"): "contract.signed",
    ("order", "cart_sign_up"): "order.created",
    ("service", "package_change_ordered"): "order.created",
    ("appointment", "booked"): "appointment.booked",
    ("ticket", "opened"): "ticket.opened",
    ("service", "suspended"): "service.suspended",
    ("service", "held"): "service.held",
    ("service", "restored"): "service.restored",
    ("service", "disconnected"): "service.disconnected",
}
# Announced whoever acts: the provider's network (RADIUS/ACS) blocks and unblocks on these.
FOR_ANYONE = {("service", "suspended"), ("service", "held"), ("service", "restored"), ("service", "disconnected")}
MAX_ATTEMPTS = 8


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... 64 minutes after the 1st..7th failed attempt."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


def announced_for_anyone(kind: str, action: str) -> bool:
    return (kind, action) in FOR_ANYONE


def emit(db: Session, entry: AccountHistory, *, data: dict | None = None) -> None:
    """Queue the event a history entry stands for (if any) for every active endpoint; `data` goes in
    the event as "data" (a service event's status, a suspension's restore link and amount)."""
    event = EVENTS.get((entry.kind, entry.action))
    if event is None:
        return
    endpoints = db.exec(select(WebhookEndpoint.id).where(col(WebhookEndpoint.active).is_(True))).all()
    if not endpoints:
        return
    account = db.get(Account, entry.account_id)
    body = {"id": secrets.token_hex(8), "event": event, "occurred_at": utcnow().isoformat(),
            "account_id": account.account_number if account else None, "summary": entry.summary,
            "entity": {"type": entry.entity_type, "id": entry.entity_id}}
    if data:
        body["data"] = data
    payload = json.dumps(body)
    for endpoint_id in endpoints:
        db.add(WebhookDelivery(endpoint_id=endpoint_id, event=event, payload=payload))


def signature(secret: str, body: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- admin: endpoints and the delivery log -------------------------------------------------------


@dataclass(frozen=True)
class EndpointRow:
    id: int
    url: str
    active: bool
    created_by: str


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    url: str
    event: str
    created_at: datetime
    attempts: int
    state: str  # delivered | retrying | gave up | waiting
    last_status: int | None
    last_error: str


def add_endpoint(db: Session, *, principal: Principal, url: str) -> tuple[int, str]:
    """(endpoint id, signing secret shown once)."""
    require_staff(principal, role=ADMIN, what="webhook")
    clean = str(url).strip()
    if not (clean.startswith("https://") or clean.startswith("http://")) or len(clean) > 500 or " " in clean:
        raise FieldErrors({"url": "Enter the receiver's address, starting with https://."})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(url=clean, secret_sealed=seal(secret), created_by=principal.display_name)
    db.add(endpoint)
    db.flush()
    staff_audit.record(db, principal=principal, action="webhook.add", target=clean)
    return endpoint.id, secret


def set_endpoint_active(db: Session, *, principal: Principal, endpoint_id: int, active: bool) -> None:
    require_staff(principal, role=ADMIN, what="webhook")
    endpoint = row_or_not_found(db, WebhookEndpoint, endpoint_id, "webhook")
    endpoint.active = bool(active)
    db.add(endpoint)
    staff_audit.record(db, principal=principal, action="webhook.enable" if active else "webhook.disable",
                       target=endpoint.url)


def endpoints(db: Session, *, principal: Principal) -> list[EndpointRow]:
    require_staff(principal, role=ADMIN, what="webhook")
    return [EndpointRow(id=e.id, url=e.url, active=e.active, created_by=e.created_by)
            for e in db.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id)))]


def deliveries(db: Session, *, principal: Principal, limit: int = 50) -> list[DeliveryRow]:
    require_staff(principal, role=ADMIN, what="webhook")
    rows = db.exec(select(WebhookDelivery, WebhookEndpoint.url)
                   .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                   .order_by(col(WebhookDelivery.id).desc()).limit(limit)).all()
    return [DeliveryRow(id=d.id, url=url, event=d.event, created_at=d.created_at, attempts=d.attempts,
                        state="delivered" if d.delivered_at else ("gave up" if d.dead else (
                            "retrying" if d.attempts else "waiting")),
                        last_status=d.last_status, last_error=d.last_error) for d, url in rows]


# --- the worker's job ------------------------------------------------------------------------------

Post = Callable[[str, str, dict[str, str]], int]  # (url, body, headers) -> HTTP status


def _http_post(url: str, body: str, headers: dict[str, str]) -> int:
    import httpx

    return httpx.post(url, content=body.encode(), headers=headers, timeout=10).status_code


def deliver_due(db: Session, *, post: Post = _http_post, now: datetime | None = None, limit: int = 200) -> str:
    """Send what is due; one endpoint's failure never stops the others. Commits per delivery."""
    now = now or utcnow()
    due = db.exec(select(WebhookDelivery, WebhookEndpoint)
                  .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                  .where(col(WebhookDelivery.delivered_at).is_(None), col(WebhookDelivery.dead).is_(False),
                         col(WebhookDelivery.next_attempt_at) <= now, col(WebhookEndpoint.active).is_(True))
                  .order_by(col(WebhookDelivery.id)).limit(limit)).all()
    sent = failed = 0
    for delivery, endpoint in due:
        stamp = int(time.time())
        headers = {"Content-Type": "application/json", "Portal-Event": delivery.event,
                   "Portal-Signature": signature(unseal(endpoint.secret_sealed), delivery.payload, stamp)}
        delivery.attempts += 1
        try:
            status = post(endpoint.url, delivery.payload, headers)
            delivery.last_status, delivery.last_error = status, "" if 200 <= status < 300 else f"HTTP {status}"
        except Exception as problem:  # noqa: BLE001 - connection refused, timeout, bad address: all retried
            status, delivery.last_status, delivery.last_error = 0, None, f"{type(problem).__name__}: {problem}"[:300]
        if 200 <= status < 300:
            delivery.delivered_at = utcnow()
            sent += 1
        else:
            failed += 1
            delivery.dead = delivery.attempts >= MAX_ATTEMPTS
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        db.add(delivery)
        db.commit()
    return f"{sent} delivered, {failed} failed (retried later)"
