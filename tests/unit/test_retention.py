"""The retention job deletes expired tokens, ended sessions, idle rate limits and old mail bodies
(issue 10, item 14), and keeps what is still live."""

from __future__ import annotations

from datetime import timedelta

from factories import make_subscriber
from sqlmodel import Session, select

from portal_app.services.operations.cleanup import SENT_BODY_GONE as REMOVED_BODY
from portal_app.services.operations.cleanup import run_cleanup
from portal_app.models import AuthToken, OutboxMail, RateLimitBucket, UserSession, utcnow


def test_retention_deletes_only_what_is_no_longer_needed(db: Session) -> None:
    now = utcnow()
    user = make_subscriber(db).user
    db.add_all([
        AuthToken(purpose="reset", token_hash="a" * 64, user_id=user.id, expires_at=now - timedelta(days=3)),
        AuthToken(purpose="reset", token_hash="b" * 64, user_id=user.id, expires_at=now + timedelta(hours=1)),
        UserSession(token_hash="c" * 64, user_id=user.id, expires_at=now - timedelta(days=40)),
        UserSession(token_hash="d" * 64, user_id=user.id, expires_at=now + timedelta(hours=5)),
        RateLimitBucket(key="signin:old", window_started_at=now - timedelta(days=2)),
        RateLimitBucket(key="signin:blocked", window_started_at=now - timedelta(days=2),
                        blocked_until=now + timedelta(minutes=5)),
        OutboxMail(to_address="a@mail.example", subject="old", body_text="reset?token=secret",
                   sent_at=now - timedelta(days=45)),
        OutboxMail(to_address="b@mail.example", subject="new", body_text="hello", sent_at=now - timedelta(days=1)),
    ])
    db.commit()
    report = run_cleanup(db, now=now)
    db.commit()
    assert (report.tokens, report.sessions, report.buckets, report.mail_bodies) == (1, 1, 1, 1)
    assert [t.token_hash[0] for t in db.exec(select(AuthToken))] == ["b"]
    assert [s.token_hash[0] for s in db.exec(select(UserSession))] == ["d"]
    assert [b.key for b in db.exec(select(RateLimitBucket))] == ["signin:blocked"]
    assert sorted(m.body_text for m in db.exec(select(OutboxMail))) == [REMOVED_BODY, "hello"]
    assert run_cleanup(db, now=now).mail_bodies == 0  # twice is harmless
