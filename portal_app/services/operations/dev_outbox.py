"""Development only: the outbox as a mailbox, so a newcomer without SMTP can follow the links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import OutboxMail
from portal_app.services.core.access import require_staff
from portal_app.services.core.errors import NotFound
from portal_app.services.core.principal import Principal


@dataclass(frozen=True)
class OutboxRow:
    id: int
    to_address: str
    subject: str
    body_text: str
    created_at: datetime
    sent: bool


def available() -> bool:
    """Only in development and only while no SMTP server is configured (mail bodies hold sign-in links)."""
    settings = get_settings()
    return not settings.is_production and not settings.smtp_url


def dev_outbox(db: Session, *, principal: Principal, to_contains: str = "", limit: int = 50) -> list[OutboxRow]:
    require_staff(principal, what="outbox")
    if not available():
        raise NotFound("outbox")
    query = select(OutboxMail)
    if to_contains.strip():
        query = query.where(col(OutboxMail.to_address).contains(to_contains.strip().lower()))
    rows = db.exec(query.order_by(col(OutboxMail.id).desc()).limit(limit))
    return [OutboxRow(id=m.id, to_address=m.to_address, subject=m.subject, body_text=m.body_text,
                      created_at=m.created_at, sent=m.sent_at is not None) for m in rows]
