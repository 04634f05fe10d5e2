"""The subscriber sign-in steps: rate limits, password, then (when on) the two-factor code.

Returns an outcome instead of raising, so the caller's transaction commits the counted failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from portal_app.models import PortalUser
from portal_app.services import auth, history, ratelimit, tokens, two_factor
from portal_app.services.errors import SignInFailed
from portal_app.services.portal_users import as_principal

WRONG_CODE = "That code is not right. Enter the 6 digits your app shows now, or a recovery code."
CODE_EXPIRED = "That took too long. Please sign in again."


@dataclass(frozen=True)
class Outcome:
    error: str = ""
    not_verified: bool = False
    ticket: str = ""  # swap at /auth/session/start for the cookie
    two_factor_token: str = ""  # keep server-side; ask for the code next


def _mark_locked(db: Session, login: str, until) -> None:
    """Show staff the lock on the Portal tab; the answer to the visitor does not change."""
    name = login.strip().lower()
    user = db.exec(select(PortalUser).where(PortalUser.username == name)).first()
    if user is None:
        matches = list(db.exec(select(PortalUser).where(PortalUser.email == name).limit(2)))
        user = matches[0] if len(matches) == 1 else None
    if user is not None:
        user.locked_until = until
        db.add(user)


def sign_in(db: Session, *, login: str, password: str, client_ip: str = "") -> Outcome:
    limits = [(ratelimit.SIGN_IN, login.strip()), (ratelimit.SIGN_IN_IP, client_ip)]
    try:
        ratelimit.check(db, limits)
    except ratelimit.RateLimited as limited:
        return Outcome(error=str(limited))
    try:
        user = auth.authenticate(db, login=login, password=password)
    except auth.NotVerified as refusal:
        return Outcome(error=str(refusal), not_verified=True)
    except SignInFailed as refusal:
        blocked = ratelimit.hit(db, limits)
        if ratelimit.SIGN_IN.name in blocked:
            _mark_locked(db, login, blocked[ratelimit.SIGN_IN.name])
        return Outcome(error=str(refusal))
    ratelimit.clear(db, limits[:1])
    if user.totp_enabled_at is not None:
        return Outcome(two_factor_token=tokens.issue(db, purpose=tokens.MFA_PENDING, user_id=user.id))
    return Outcome(ticket=auth.create_session_ticket(db, user=user))


def complete_two_factor(db: Session, *, two_factor_token: str, code: str, client_ip: str = "") -> Outcome:
    """The second step: a code from the app or an unused recovery code; then the session ticket."""
    try:
        pending = tokens.peek(db, purpose=tokens.MFA_PENDING, raw=two_factor_token)
    except tokens.TokenInvalid:
        return Outcome(error=CODE_EXPIRED)
    user = db.get(PortalUser, pending.user_id)
    if user is None or user.disabled:
        return Outcome(error=CODE_EXPIRED)
    limits = [(ratelimit.TWO_FACTOR, str(user.id)), (ratelimit.SIGN_IN_IP, client_ip)]
    try:
        ratelimit.check(db, limits)
    except ratelimit.RateLimited as limited:
        return Outcome(error=str(limited), two_factor_token=two_factor_token)
    how = two_factor.check_code(db, user=user, code=code)
    if how is None:
        ratelimit.hit(db, limits)
        return Outcome(error=WRONG_CODE, two_factor_token=two_factor_token)
    tokens.consume(db, purpose=tokens.MFA_PENDING, raw=two_factor_token)
    ratelimit.clear(db, limits[:1])
    if how == "recovery":
        history.record(
            db, principal=as_principal(user), account_id=user.account_id, kind="access", action="recovery_code_used",
            summary=f"{user.username} signed in with a recovery code", entity_type="portal_user", entity_id=user.id,
        )
    return Outcome(ticket=auth.create_session_ticket(db, user=user))
