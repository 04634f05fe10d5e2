"""Quick Pay: pay without signing in, giving only what links the payment to the account.

The payer names the account number and the last name or billing ZIP. A miss and a mismatch
get the same answer, and attempts are rate-limited per client address and per account
number in the database (several workers share the counters). Bill emails carry a signed
link (JWT, 30 days) that opens Quick Pay already identified. A restore link (72 hours) does the
same for an account suspended for non-payment, with the amount that restores its service.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlmodel import Session, select

from portal_app.config import get_settings
from portal_app.models import Account, RateLimitBucket, utcnow
from portal_app.services.billing import billing
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal

NO_MATCH = _("We could not find an account with those details. Check the account number and the last name "
             "or billing ZIP on your bill.")
TOO_MANY = _("Too many attempts. Please wait 15 minutes and try again, or call us.")
LINK_EXPIRED = _("That payment link has expired or is not valid. Enter your account details below.")
MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LINK_LIFETIME = dt.timedelta(days=30)
RESTORE_LINK_LIFETIME = dt.timedelta(hours=72)
AUDIENCE = "quickpay"
RESTORE_AUDIENCE = "quickpay-restore"


class QuickPayRefused(PortalError):
    pass


@dataclass(frozen=True)
class QuickPayAccount:
    account_id: int
    masked_name: str
    amount_due_cents: int  # what is left to pay (never below zero; payments still settling count as paid)
    balance_cents: int  # the real balance, negative for a credit: what a payment checks it has not changed
    restore_cents: int = 0  # opened by a restore link: what restores the suspended service


def mask_name(account: Account) -> str:
    words = (account.company_name if account.kind == "business" and account.company_name
             else f"{account.first_name} {account.last_name}").split()
    return " ".join(word[0] + "*" * max(2, len(word) - 1) for word in words) or "***"


def principal_for(account_id: int) -> Principal:
    return Principal(kind="subscriber", display_name="Quick Pay payer", account_id=account_id)


def _bucket(db: Session, key: str) -> RateLimitBucket:
    bucket = db.exec(select(RateLimitBucket).where(RateLimitBucket.key == key)).first()
    now = utcnow()
    if bucket is None:
        bucket = RateLimitBucket(key=key, failures=0, window_started_at=now)
    elif bucket.window_started_at + WINDOW <= now and (bucket.blocked_until is None or bucket.blocked_until <= now):
        bucket.failures, bucket.window_started_at, bucket.blocked_until = 0, now, None
    return bucket


def _view(db: Session, account: Account, *, restore: bool = False) -> QuickPayAccount:
    due = billing.amount_due(db, account_id=account.id, today=provider_today())
    if restore and account.service_status == "suspended_nonpayment":
        restore_cents = billing.restore_amount(db, account_id=account.id)
        return QuickPayAccount(account_id=account.id, masked_name=mask_name(account), amount_due_cents=restore_cents,
                               balance_cents=due.balance_cents, restore_cents=restore_cents)
    return QuickPayAccount(account_id=account.id, masked_name=mask_name(account), amount_due_cents=due.left_cents,
                           balance_cents=due.balance_cents)


def identify(db: Session, *, account_number: str, name_or_zip: str, client_ip: str) -> QuickPayAccount:
    """The account if the details match; one answer for unknown and mismatched. The caller commits."""
    number = "".join(ch for ch in str(account_number) if ch.isalnum())[:32]
    answer = str(name_or_zip).strip().lower()[:80]
    buckets = [_bucket(db, f"quickpay:ip:{client_ip[:64]}"), _bucket(db, f"quickpay:account:{number}")]
    now = utcnow()
    if any(b.blocked_until is not None and b.blocked_until > now for b in buckets):
        raise QuickPayRefused(TOO_MANY)
    account = db.exec(select(Account).where(Account.account_number == number)).first() if number else None
    matches = bool(account and answer and answer in {account.last_name.strip().lower(), account.billing_zip.strip().lower()})
    if not matches or account.status == "closed":
        for bucket in buckets:
            bucket.failures += 1
            if bucket.failures >= MAX_FAILURES:
                bucket.blocked_until = now + WINDOW
            db.add(bucket)
        raise QuickPayRefused(NO_MATCH)
    return _view(db, account)


def _key() -> OctKey:
    return _key_for(get_settings().secret_key)


@functools.lru_cache(maxsize=4)
def _key_for(secret_key: str) -> OctKey:
    # A key derived for this one purpose, so a Quick Pay token is worthless anywhere else.
    return OctKey.import_key(hashlib.sha256(f"quickpay-link:{secret_key}".encode()).digest())


def link_token(account_number: str, *, now: dt.datetime | None = None, restore: bool = False) -> str:
    now = now or utcnow()
    claims = {"sub": account_number, "aud": RESTORE_AUDIENCE if restore else AUDIENCE, "iat": int(now.timestamp()),
              "exp": int((now + (RESTORE_LINK_LIFETIME if restore else LINK_LIFETIME)).timestamp())}
    return jwt.encode({"alg": "HS256"}, claims, _key())


def link_url(account_number: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/quickpay?t={link_token(account_number)}"


def restore_link_url(account_number: str, *, now: dt.datetime | None = None) -> str:
    """Quick Pay identified, with the amount that restores a service suspended for non-payment (72 hours)."""
    return f"{get_settings().public_url.rstrip('/')}/quickpay?t={link_token(account_number, now=now, restore=True)}"


def identify_by_link(db: Session, *, token: str, now: dt.datetime | None = None) -> QuickPayAccount:
    now = now or utcnow()
    try:
        decoded = jwt.decode(str(token)[:2000], _key(), algorithms=["HS256"])
        jwt.JWTClaimsRegistry(now=int(now.timestamp()), leeway=0, exp={"essential": True},
                              aud={"essential": True, "values": [AUDIENCE, RESTORE_AUDIENCE]},
                              sub={"essential": True}).validate(decoded.claims)
    except (JoseError, ValueError, TypeError):
        raise QuickPayRefused(LINK_EXPIRED) from None
    account = db.exec(select(Account).where(Account.account_number == decoded.claims["sub"])).first()
    if account is None or account.status == "closed":
        raise QuickPayRefused(LINK_EXPIRED)
    return _view(db, account, restore=decoded.claims["aud"] == RESTORE_AUDIENCE)
