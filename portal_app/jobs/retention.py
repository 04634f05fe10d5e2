"""Retention: delete what is no longer needed and would only help an attacker who reads the database.

Expired one-time tokens, long-ended sessions, idle rate-limit counters, and the bodies of mail sent
long ago (the outbox row stays, as a record that the mail went out). Safe to run any time, twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from portal_app.models import AuthToken, OutboxMail, RateLimitBucket, UserSession, utcnow

TOKEN_GRACE = timedelta(days=1)  # expired tokens still answer "expired" for a day, then go
SESSION_KEPT = timedelta(days=30)  # ended sessions stay for a month (sign-in questions, audits)
BUCKET_IDLE = timedelta(days=1)
MAIL_BODY_KEPT = timedelta(days=30)
REMOVED_BODY = "[removed by the retention job]"


@dataclass(frozen=True)
class RetentionReport:
    tokens: int
    sessions: int
    buckets: int
    mail_bodies: int

    def __str__(self) -> str:
        return (f"deleted {self.tokens} expired tokens, {self.sessions} ended sessions, "
                f"{self.buckets} idle rate-limit counters; emptied {self.mail_bodies} old mail bodies")


def purge(db: Session, *, now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    tokens = db.execute(delete(AuthToken).where(AuthToken.expires_at < now - TOKEN_GRACE)).rowcount
    sessions = db.execute(delete(UserSession).where(or_(
        UserSession.expires_at < now - SESSION_KEPT,
        col(UserSession.revoked_at) < now - SESSION_KEPT,
    ))).rowcount
    buckets = db.execute(delete(RateLimitBucket).where(
        RateLimitBucket.window_started_at < now - BUCKET_IDLE,
        or_(col(RateLimitBucket.blocked_until).is_(None), col(RateLimitBucket.blocked_until) < now),
    )).rowcount
    bodies = db.execute(
        update(OutboxMail)
        .where(col(OutboxMail.sent_at) < now - MAIL_BODY_KEPT, OutboxMail.body_text != REMOVED_BODY)
        .values(body_text=REMOVED_BODY, attachment_text=None)
    ).rowcount
    db.commit()
    return RetentionReport(tokens=tokens, sessions=sessions, buckets=buckets, mail_bodies=bodies)
