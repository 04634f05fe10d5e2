"""One-time email-link tokens (verification, password reset, email change): random, hashed, expiring, single use."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import AuthToken, utcnow
from portal_app.services.identity.secrets_util import hash_token, new_token

VERIFY = "verify"
RESET = "reset"
EMAIL_CHANGE = "email_change"
MFA_PENDING = "mfa_pending"
SIGN_UP_PENDING = "signup_pending"  # a matched sign-up waiting for proof of control
SIGN_UP_PROOF = "signup_proof"  # the link sent to an address already on the account
REMOVE_USER = "remove_user"  # the link in the "new sign-in added" notice
ADD_PENDING = "add_pending"  # a signed-in user's request to add an account, waiting for proof (payload: account id)
ADD_PROOF = "add_proof"  # the link sent to an address on that account (payload: account id|contact point id)
INVITE = "invite"  # an account holder's invitation to another person (payload: account id|role|email)
LOCK_PASS = "lock_pass"  # a browser that finished a reset link gets past the per-user sign-in lock
LIFETIMES = {
    INVITE: timedelta(days=7),
    ADD_PENDING: timedelta(hours=1),
    ADD_PROOF: timedelta(hours=1),
    LOCK_PASS: timedelta(days=30),
    SIGN_UP_PENDING: timedelta(hours=1),
    SIGN_UP_PROOF: timedelta(hours=1),
    REMOVE_USER: timedelta(days=14),
    VERIFY: timedelta(days=5),
    RESET: timedelta(hours=1),
    EMAIL_CHANGE: timedelta(days=1),
    MFA_PENDING: timedelta(minutes=5),
}


class TokenInvalid(Exception):
    """Expired, used, tampered or for another purpose: one answer for all of them."""


def issue(db: Session, *, purpose: str, user_id: int, payload: str = "", now: datetime | None = None) -> str:
    """A fresh token; only its SHA-256 is stored, so the raw value exists only in the email."""
    raw = new_token()
    db.add(
        AuthToken(
            purpose=purpose,
            token_hash=hash_token(raw),
            user_id=user_id,
            payload=payload,
            expires_at=(now or utcnow()) + LIFETIMES[purpose],
        )
    )
    return raw


def peek(db: Session, *, purpose: str, raw: str, now: datetime | None = None) -> AuthToken:
    """The live token behind `raw` without using it up (to show a form before the real action)."""
    now = now or utcnow()
    if not raw or len(raw) > 200:
        raise TokenInvalid()
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(raw), AuthToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or row.expires_at <= now or row.user_id is None:
        raise TokenInvalid()
    return row


def consume(db: Session, *, purpose: str, raw: str, now: datetime | None = None) -> AuthToken:
    """Use the token once: of two concurrent uses only one sees a row count of 1."""
    now = now or utcnow()
    row = peek(db, purpose=purpose, raw=raw, now=now)
    claimed = db.execute(
        update(AuthToken).where(col(AuthToken.id) == row.id, col(AuthToken.used_at).is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise TokenInvalid()
    row.used_at = now
    return row


def void_all(db: Session, *, purpose: str, user_id: int, now: datetime | None = None) -> None:
    """Spend every outstanding token of a purpose (a password change voids reset links)."""
    db.execute(
        update(AuthToken)
        .where(col(AuthToken.user_id) == user_id, col(AuthToken.purpose) == purpose, col(AuthToken.used_at).is_(None))
        .values(used_at=now or utcnow())
    )


def link(path: str, raw: str) -> str:
    """The absolute link for an email: the provider's public address, our path, the raw token."""
    return f"{get_settings().public_url.rstrip('/')}{path}?token={raw}"


def grant_lock_pass(db: Session, *, user_id: int, binding: str, now: datetime | None = None) -> None:
    """Remember the browser (its pre-session cookie, hashed) that proved itself with a reset link."""
    if not binding:
        return
    db.add(AuthToken(purpose=LOCK_PASS, token_hash=hash_token(new_token()), user_id=user_id,
                     payload=hash_token(binding), expires_at=(now or utcnow()) + LIFETIMES[LOCK_PASS]))


def has_lock_pass(db: Session, *, user_id: int, binding: str, now: datetime | None = None) -> bool:
    if not binding:
        return False
    return db.exec(select(AuthToken.id).where(
        AuthToken.purpose == LOCK_PASS, AuthToken.user_id == user_id, AuthToken.payload == hash_token(binding),
        AuthToken.expires_at > (now or utcnow()))).first() is not None
