"""The cleanup (retention) job: drop what has served its purpose and would only help someone who reads
the database (expired tokens and sessions, idle rate-limit buckets, week-old import uploads) and blank
the bodies of mail and texts sent long ago (they may hold links; the row stays as the record that it went)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col

from portal_app.models import AuthToken, ImportBatch, OutboxMail, OutboxSms, RateLimitBucket, UserSession, utcnow

KEEP_EXPIRED = timedelta(days=1)  # a token just expired still explains a "link expired" question
KEEP_SESSIONS = timedelta(days=30)  # staff can see recent sign-ins and their addresses
KEEP_BUCKETS = timedelta(days=1)
MAIL_BODY_RETENTION = timedelta(days=30)  # sent mail may hold links; a month answers "did it go out?"
SENT_BODY_GONE = "(removed after 30 days)"
KEEP_UPLOADS = timedelta(days=7)  # uploaded import files hold subscribers' details


@dataclass(frozen=True)
class CleanupReport:
    tokens: int
    sessions: int
    buckets: int
    mail_bodies: int

    def __str__(self) -> str:
        return (f"{self.tokens} tokens, {self.sessions} sessions, {self.buckets} rate-limit buckets removed; "
                f"{self.mail_bodies} sent mail and text bodies cleared")


def run_cleanup(db: Session, *, now: datetime | None = None) -> CleanupReport:
    now = now or utcnow()
    tokens = db.execute(delete(AuthToken).where(col(AuthToken.expires_at) < now - KEEP_EXPIRED)).rowcount
    sessions = db.execute(delete(UserSession).where(or_(
        col(UserSession.expires_at) < now - KEEP_SESSIONS,
        and_(col(UserSession.revoked_at).is_not(None), col(UserSession.revoked_at) < now - KEEP_SESSIONS),
    ))).rowcount
    buckets = db.execute(delete(RateLimitBucket).where(
        col(RateLimitBucket.window_started_at) < now - KEEP_BUCKETS,
        or_(col(RateLimitBucket.blocked_until).is_(None), col(RateLimitBucket.blocked_until) < now),
    )).rowcount
    bodies = db.execute(update(OutboxMail).where(
        col(OutboxMail.sent_at).is_not(None), col(OutboxMail.sent_at) < now - MAIL_BODY_RETENTION,
        col(OutboxMail.body_text) != SENT_BODY_GONE,
    ).values(body_text=SENT_BODY_GONE, body_html=None, attachment_text=None)).rowcount
    bodies += db.execute(update(OutboxSms).where(
        col(OutboxSms.sent_at).is_not(None), col(OutboxSms.sent_at) < now - MAIL_BODY_RETENTION,
        col(OutboxSms.body) != SENT_BODY_GONE,
    ).values(body=SENT_BODY_GONE)).rowcount
    db.execute(delete(ImportBatch).where(col(ImportBatch.created_at) < now - KEEP_UPLOADS))
    return CleanupReport(tokens=tokens, sessions=sessions, buckets=buckets, mail_bodies=bodies)
