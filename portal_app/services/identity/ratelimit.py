"""Rate limits kept in the database (several workers share them), with exponential back-off.

Each rule counts events per key (a login name, an email, an account number or a client
address) in a window; past the limit the key is blocked for a back-off that doubles with each
further event and is capped, so a guesser can slow a real user down but not lock them out for
long. Keys are built from what the visitor typed, never from whether an account exists, so
known and unknown accounts are limited alike.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.models import RateLimitBucket, utcnow
from portal_app.services.core.errors import PortalError
from portal_app.services.core.i18n import _


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # events allowed in the window before the key is blocked
    window: timedelta
    first_block: timedelta
    max_block: timedelta


SIGN_IN = Rule("signin", 5, timedelta(minutes=15), timedelta(seconds=30), timedelta(minutes=15))
SIGN_IN_IP = Rule("signin-ip", 50, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=15))
SIGN_UP = Rule("signup", 5, timedelta(hours=1), timedelta(minutes=1), timedelta(minutes=30))
SIGN_UP_IP = Rule("signup-ip", 20, timedelta(hours=1), timedelta(minutes=1), timedelta(minutes=30))
RESET = Rule("reset", 3, timedelta(hours=1), timedelta(minutes=5), timedelta(minutes=30))
RESET_IP = Rule("reset-ip", 20, timedelta(hours=1), timedelta(minutes=1), timedelta(minutes=30))
RESEND = Rule("resend", 3, timedelta(hours=1), timedelta(minutes=5), timedelta(minutes=30))
RESEND_IP = Rule("resend-ip", 20, timedelta(hours=1), timedelta(minutes=1), timedelta(minutes=30))
CURRENT_PASSWORD = Rule("current-password", 5, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=15))
TWO_FACTOR = Rule("2fa", 5, timedelta(minutes=15), timedelta(seconds=30), timedelta(minutes=15))
STAFF_SIGN_IN = Rule("staff-signin", 5, timedelta(minutes=15), timedelta(seconds=30), timedelta(minutes=15))
# Starting a sign-in with the identity provider keeps a row for 10 minutes: a bound per address.
STAFF_OIDC_IP = Rule("staff-oidc-ip", 30, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=15))


class RateLimited(PortalError):
    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(_("Too many attempts. Please wait 1 minute and try again.") if minutes == 1
                         else _("Too many attempts. Please wait %(minutes)s minutes and try again.", minutes=minutes))
        self.retry_after = retry_after


def user_value(user_id: int) -> str:
    """The value a known user's own counts are kept under (however they typed their name)."""
    return f"user:{user_id}"


def key(rule: Rule, value: str) -> str:
    # Hashed: the table never holds typed emails or addresses in the clear.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"{rule.name}:{digest}"


def check(db: Session, checks: list[tuple[Rule, str]], *, now: datetime | None = None) -> None:
    """Raise RateLimited if any of the (rule, value) keys is blocked right now."""
    now = now or utcnow()
    keys = [key(rule, value) for rule, value in checks if value]
    if not keys:
        return
    longest = timedelta(0)
    for bucket in db.exec(select(RateLimitBucket).where(RateLimitBucket.key.in_(keys))):  # type: ignore[attr-defined]
        if bucket.blocked_until is not None and bucket.blocked_until > now:
            longest = max(longest, bucket.blocked_until - now)
    if longest > timedelta(0):
        raise RateLimited(longest)


def _bucket(db: Session, bucket_key: str, now: datetime) -> RateLimitBucket:
    bucket = db.exec(select(RateLimitBucket).where(RateLimitBucket.key == bucket_key)).first()
    if bucket is not None:
        return bucket
    try:
        with db.begin_nested():  # two workers may create the same key at once
            bucket = RateLimitBucket(key=bucket_key, failures=0, window_started_at=now)
            db.add(bucket)
    except IntegrityError:
        bucket = db.exec(select(RateLimitBucket).where(RateLimitBucket.key == bucket_key)).one()
    return bucket


def hit(db: Session, checks: list[tuple[Rule, str]], *, now: datetime | None = None) -> dict[str, datetime]:
    """Count one event against each key; a key past its limit is blocked with back-off.

    Returns the rules (by name) whose key is now blocked, with the time the block ends.
    """
    now = now or utcnow()
    blocked: dict[str, datetime] = {}
    for rule, value in checks:
        if not value:
            continue
        bucket = _bucket(db, key(rule, value), now)
        if now - bucket.window_started_at >= rule.window and (bucket.blocked_until is None or bucket.blocked_until <= now):
            bucket.failures = 0
            bucket.window_started_at = now
            bucket.blocked_until = None
        bucket.failures += 1
        if bucket.failures >= rule.limit:
            over = bucket.failures - rule.limit
            block = min(rule.first_block * (2 ** min(over, 20)), rule.max_block)
            bucket.blocked_until = now + block
            bucket.window_started_at = now  # the window restarts at each block
            blocked[rule.name] = bucket.blocked_until
        db.add(bucket)
    return blocked


def clear(db: Session, checks: list[tuple[Rule, str]]) -> None:
    """A success forgets the per-name count (never the per-address one)."""
    keys = [key(rule, value) for rule, value in checks if value]
    for bucket in db.exec(select(RateLimitBucket).where(RateLimitBucket.key.in_(keys))):  # type: ignore[attr-defined]
        bucket.failures = 0
        bucket.blocked_until = None
        db.add(bucket)
