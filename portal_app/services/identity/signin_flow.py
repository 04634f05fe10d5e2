"""The subscriber sign-in steps: rate limits, password, then (when on) the two-factor code.

Returns an outcome instead of raising, so the caller's transaction commits the counted failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import Account, PortalUser
from portal_app.services.core import history
from portal_app.services.identity import auth, ratelimit, tokens, two_factor
from portal_app.services.core.errors import SignInFailed
from portal_app.services.core.i18n import _
from portal_app.services.identity import language as user_language

WRONG_CODE = _("That code is not right. Enter the 6 digits your app shows now, or a recovery code.")
CODE_EXPIRED = _("That took too long. Please sign in again.")


@dataclass(frozen=True)
class Outcome:
    error: str = ""
    not_verified: bool = False
    ticket: str = ""  # swap at /auth/session/start for the cookie
    two_factor_token: str = ""  # keep server-side; ask for the code next
    home_first: bool = False  # the account's service is suspended or disconnected: Home says so first


def _signed_in(db: Session, user: PortalUser, binding: str, language: str | None = None) -> Outcome:
    if language:  # chosen on the sign-in page: this sign-in reads it from now on (pages, mail, PDFs)
        user_language.set_language(db, user=user, lang=language)
    account = db.get(Account, user.account_id)
    return Outcome(ticket=auth.create_session_ticket(db, user=user, binding=binding),
                   home_first=account is not None and account.service_status != "active")


def sign_in(db: Session, *, login: str, password: str, client_ip: str = "", binding: str = "",
            language: str | None = None) -> Outcome:
    """`binding` is the browser's pre-session cookie: the ticket works only with it (no login CSRF).
    `language`: the one chosen on the sign-in page ("es"), stored for the user once signed in."""
    # One count per user however they are named (username or email); per typed name otherwise.
    # Either way the visitor sees the same answers, so the count reveals nothing.
    named = auth.user_for_login(db, login)
    name_key = ratelimit.user_value(named.id) if named is not None else f"login:{login.strip().lower()}"
    limits = [(ratelimit.SIGN_IN, name_key), (ratelimit.SIGN_IN_IP, client_ip)]
    if named is not None and tokens.has_lock_pass(db, user_id=named.id, binding=binding):
        # This browser finished a reset link for this user: an attacker's wrong guesses (the
        # per-user lock) cannot keep it out; the per-address limit still holds.
        limits = limits[1:]
    try:
        ratelimit.check(db, limits)
    except ratelimit.RateLimited as limited:
        return Outcome(error=limited.message)
    try:
        user = auth.authenticate(db, login=login, password=password)
    except auth.NotVerified as refusal:
        return Outcome(error=refusal.message, not_verified=True)
    except SignInFailed as refusal:
        blocked = ratelimit.hit(db, limits)
        if named is not None and ratelimit.SIGN_IN.name in blocked:
            named.locked_until = blocked[ratelimit.SIGN_IN.name]  # shown to staff as Locked
            db.add(named)
        return Outcome(error=refusal.message)
    ratelimit.clear(db, limits[:1])
    if user.totp_enabled_at is not None:
        return Outcome(two_factor_token=tokens.issue(db, purpose=tokens.MFA_PENDING, user_id=user.id))
    return _signed_in(db, user, binding, language)


def complete_two_factor(db: Session, *, two_factor_token: str, code: str, client_ip: str = "",
                        binding: str = "", language: str | None = None) -> Outcome:
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
        return Outcome(error=limited.message, two_factor_token=two_factor_token)
    how = two_factor.check_code(db, user=user, code=code)
    if how is None:
        ratelimit.hit(db, limits)
        return Outcome(error=WRONG_CODE, two_factor_token=two_factor_token)
    tokens.consume(db, purpose=tokens.MFA_PENDING, raw=two_factor_token)
    ratelimit.clear(db, limits[:1])
    if how == "recovery":
        history.record_access(
            db, user=user, action="recovery_code_used",
            summary=f"{user.username} signed in with a recovery code")
    return _signed_in(db, user, binding, language)
