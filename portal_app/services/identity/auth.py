"""Subscriber sign-in: password check, one-time session tickets, server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from typing import TypeVar

from sqlalchemy import and_, bindparam, func, update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import Account, AccountMembership, AuthToken, PortalUser, UserSession, utcnow
from portal_app.models.account import display_name_of
from portal_app.services.core import history
from portal_app.services.core.errors import SignInFailed
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.identity import session_cache
from portal_app.services.identity.secrets_util import hash_token, new_token, tokens_equal, verify_password

SESSION_COOKIE = "portal_session"
# Set (HttpOnly) on the first page load; sign-in tickets are bound to it. See api/http_security.py.
PRESESSION_COOKIE = "portal_presession"
NO_PRESESSION = _("Your browser did not keep our sign-in cookie. Reload the page, then sign in again.")
TICKET_LIFETIME = timedelta(minutes=2)
# Refreshing last_seen_at on every event would write on every click; once a minute is enough.
TOUCH_INTERVAL = timedelta(minutes=1)
WRONG_CREDENTIALS = _("The username or password is incorrect.")
NOT_VERIFIED = _(
    "Your email address is not verified yet. Open the verification link we emailed you, "
    "then sign in. No email? We can send a new link."
)

Owner = TypeVar("Owner")


class NotVerified(SignInFailed):
    """The password was right but the email address is not verified yet."""


class SessionInvalid(Exception):
    """No usable session; `reason` is "missing", "expired" or "revoked"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def users_by_login(db: Session, login: str) -> list[PortalUser]:
    """The sign-ins a typed login names: the one with that username, else every one with that
    email (oldest first). Usernames and emails are kept in lower case."""
    login = login.strip().lower()
    if not login:
        return []
    by_name = db.exec(select(PortalUser).where(PortalUser.username == login)).first()
    if by_name is not None:
        return [by_name]
    return list(db.exec(select(PortalUser).where(PortalUser.email == login).order_by(col(PortalUser.id))))


def user_for_login(db: Session, login: str) -> PortalUser | None:
    """The one sign-in a login names; an email shared by several sign-ins names none of them
    (the username is needed then)."""
    users = users_by_login(db, login)
    return users[0] if len(users) == 1 else None


def authenticate(db: Session, *, login: str, password: str) -> PortalUser:
    """Check a username-or-email and password; one message for every kind of miss."""
    user = user_for_login(db, login) if password else None
    # Always run one Argon2 verification so unknown and known users take the same time.
    password_ok = verify_password(password or "", user.password_hash if user else None)
    if user is None or not password_ok or user.disabled:
        if user is not None and not user.disabled:
            user.failed_sign_ins += 1
            db.add(user)
        raise SignInFailed(WRONG_CREDENTIALS)
    if user.verified_at is None:
        raise NotVerified(NOT_VERIFIED)
    return user


def ticket_binding(binding: str) -> str:
    """What a ticket stores of the browser it is bound to (the pre-session cookie, hashed)."""
    return hash_token(binding) if binding else ""


def binding_matches(row: AuthToken, binding: str) -> bool:
    return tokens_equal(row.payload or "", ticket_binding(binding))


def create_session_ticket(db: Session, *, user: PortalUser, binding: str = "") -> str:
    """A short-lived, single-use ticket the browser swaps for the HttpOnly session cookie.

    `binding` is the asking browser's pre-session cookie: redeeming needs the same cookie, so a
    ticket lured into another browser signs nobody in (login CSRF).
    """
    ticket = new_token()
    db.add(
        AuthToken(
            purpose="session_ticket",
            token_hash=hash_token(ticket),
            user_id=user.id,
            payload=ticket_binding(binding),
            expires_at=utcnow() + TICKET_LIFETIME,
        )
    )
    return ticket


def claim_ticket(db: Session, *, ticket: str, purpose: str, owner: str, binding: str, now: datetime) -> AuthToken:
    """Use a sign-in ticket once: unexpired, of this purpose, held by `owner` (user_id or
    staff_user_id), redeemed in the browser it is bound to; else SessionInvalid("expired")."""
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(ticket), AuthToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or row.expires_at <= now or getattr(row, owner) is None:
        raise SessionInvalid("expired")
    if not binding_matches(row, binding):
        raise SessionInvalid("expired")
    # Conditional update: of two concurrent redemptions only one sees a row count of 1.
    claimed = db.execute(
        update(AuthToken).where(col(AuthToken.id) == row.id, col(AuthToken.used_at).is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise SessionInvalid("expired")
    return row


@dataclass(frozen=True)
class NewSession:
    token: str
    max_age_seconds: int


def redeem_session_ticket(
    db: Session, *, ticket: str, client_ip: str = "", user_agent: str = "", binding: str = ""
) -> NewSession:
    """Swap a ticket for a new session (a fresh random id every sign-in), in the browser it is bound to."""
    now = utcnow()
    user, session = redeem_ticket(db, PortalUser, ticket=ticket, purpose="session_ticket", owner="user_id",
                                  binding=binding, now=now, client_ip=client_ip, user_agent=user_agent)
    held = list(db.exec(select(AccountMembership.account_id).where(AccountMembership.user_id == user.id)
                        .order_by(col(AccountMembership.id))))
    if not held:  # removed from every account it could use: nothing to sign in to
        raise SessionInvalid("revoked")
    if user.account_id not in held:  # removed from its own account: start on the first it still holds
        db.execute(update(UserSession).where(col(UserSession.token_hash) == hash_token(session.token))
                   .values(account_id=held[0]))
    user.failed_sign_ins = 0
    user.last_sign_in_at = now
    db.add(user)
    history.record_access(
        db, user=user, action="signed_in",
        summary=f"{user.username} signed in to the portal" + (f" from {client_ip}" if client_ip else ""))
    return session


def redeem_ticket(db: Session, model: type[Owner], *, ticket: str, purpose: str, owner: str, binding: str,
                  now: datetime, client_ip: str, user_agent: str) -> tuple[Owner, NewSession]:
    """A sign-in ticket's owner (a portal user or a staff member, still enabled) and their new session."""
    token_row = claim_ticket(db, ticket=ticket, purpose=purpose, owner=owner, binding=binding, now=now)
    who = db.get(model, getattr(token_row, owner))
    if who is None or who.disabled:  # type: ignore[attr-defined]
        raise SessionInvalid("revoked")
    return who, open_session(db, now=now, client_ip=client_ip, user_agent=user_agent, **{owner: who.id})  # type: ignore[attr-defined]


def open_session(db: Session, *, now: datetime, client_ip: str, user_agent: str, **owner: int) -> NewSession:
    """A new session row (a fresh random token; only its hash is kept) for `user_id=` or `staff_user_id=`."""
    absolute = timedelta(hours=get_settings().session_absolute_hours)
    token = new_token()
    db.add(UserSession(token_hash=hash_token(token), expires_at=now + absolute, client_ip=client_ip[:64],
                       user_agent=user_agent[:300], **owner))
    return NewSession(token=token, max_age_seconds=int(absolute.total_seconds()))


def live_session(db: Session, *, token: str | None, now: datetime, owner: str) -> UserSession:
    """The unexpired, unrevoked session row behind a cookie; `owner` is "user_id" or "staff_user_id".

    Subscriber and staff sessions share the table but never each other's cookies: a row whose
    `owner` column is empty is no session of that kind.
    """
    if not token:
        raise SessionInvalid("missing")
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is None or getattr(row, owner) is None:
        raise SessionInvalid("expired")
    return check_live(row, now)


def check_live(row: UserSession, now: datetime) -> UserSession:
    """SessionInvalid unless the row is neither revoked, past its end, nor idle too long."""
    check_times(row.revoked_at, row.expires_at, row.last_seen_at, now)
    return row


def check_times(revoked_at: datetime | None, expires_at: datetime, last_seen_at: datetime, now: datetime) -> None:
    if revoked_at is not None:
        raise SessionInvalid("revoked")
    idle_limit = timedelta(minutes=get_settings().session_idle_minutes)
    if expires_at <= now or last_seen_at + idle_limit <= now:
        raise SessionInvalid("expired")


def touch_session(db: Session, row: UserSession, now: datetime) -> None:
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.add(row)


def touch_session_id(db: Session, session_id: int, last_seen_at: datetime, now: datetime) -> None:
    """`touch_session` for a session read as columns (the per-event check reads no ORM rows)."""
    if now - last_seen_at >= TOUCH_INTERVAL:
        db.execute(update(UserSession).where(col(UserSession.id) == session_id).values(last_seen_at=now))


# Built once: constructing the statement costs more than running it on a warm database. The session acts for
# its chosen account (user_session.account_id), else the sign-in's home account; the membership of that
# account gives the role, and a sign-in without one (removed from the account) has no session there.
_CHOSEN = func.coalesce(UserSession.account_id, PortalUser.account_id)
_SIGNED_IN = (
    select(UserSession.id, UserSession.revoked_at, UserSession.expires_at, UserSession.last_seen_at,
           PortalUser.id, _CHOSEN, PortalUser.disabled, PortalUser.username, PortalUser.language, AccountMembership.role,
           Account.kind, Account.first_name, Account.last_name, Account.company_name)
    .join(PortalUser, col(PortalUser.id) == UserSession.user_id)
    .join(AccountMembership, and_(col(AccountMembership.user_id) == PortalUser.id,
                                  col(AccountMembership.account_id) == _CHOSEN), isouter=True)
    .join(Account, col(Account.id) == _CHOSEN, isouter=True)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def resolve_session(db: Session, *, token: str | None, now: datetime | None = None) -> Principal:
    """The principal behind a session cookie, or SessionInvalid saying why not.

    Every event calls this. A session this worker resolved lately comes from its cache (session_cache.py
    says why a revocation, role or membership change still counts at once) after an in-memory check of
    its absolute and idle expiry; else it is one query for plain columns (session, sign-in, membership
    and the chosen account together; no ORM rows to build). The last-seen time is written at most once
    per TOUCH_INTERVAL. A sign-in removed from the session's account is signed out there ("revoked")."""
    now = now or utcnow()
    if not token:
        raise SessionInvalid("missing")
    token_hash = hash_token(token)
    cached = session_cache.lookup(db, token_hash)
    if cached is not None and _still_live(cached.expires_at, cached.last_seen_at, now):
        if now - cached.last_seen_at >= TOUCH_INTERVAL:
            # Read again (with the new time) by the next event, once this one has committed.
            touch_session_id(db, cached.principal.session_id or 0, cached.last_seen_at, now)
            session_cache.forget(token_hash)
        return cached.principal
    read_at = session_cache.generation()
    found = db.exec(_SIGNED_IN, params={"token_hash": token_hash}).first()
    if found is None:  # no such session, or a staff session's cookie
        raise SessionInvalid("expired")
    (session_id, revoked_at, expires_at, last_seen_at, user_id, account_id, disabled, username, language, role,
     kind, first_name, last_name, company_name) = found
    check_times(revoked_at, expires_at, last_seen_at, now)
    if disabled or role is None:
        raise SessionInvalid("revoked")
    touch_session_id(db, session_id, last_seen_at, now)
    name = display_name_of(kind, first_name, last_name, company_name) if kind is not None else username
    principal = Principal(kind="subscriber", display_name=name, user_id=user_id, account_id=account_id,
                          session_id=session_id, role=role, language=language or "")
    if now - last_seen_at < TOUCH_INTERVAL:  # not touched now: the row's times are what memory can check
        session_cache.store(db, token_hash, principal=principal, expires_at=expires_at, last_seen_at=last_seen_at,
                            read_at_generation=read_at)
    return principal


def _still_live(expires_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
    try:
        check_times(None, expires_at, last_seen_at, now)
    except SessionInvalid:
        return False
    return True


def end_session(db: Session, *, token: str | None) -> None:
    """Sign out: the session row is revoked, so the cookie is worthless even if kept."""
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or row.user_id is None:
        return
    row.revoked_at = utcnow()
    db.add(row)
    user = db.get(PortalUser, row.user_id)
    if user is not None:
        history.record_access(db, user=user, action="signed_out", summary=f"{user.username} signed out")


def active_session_count(db: Session, *, user_id: int) -> int:
    now = utcnow()
    return db.exec(
        select(func.count()).select_from(UserSession).where(
            UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None), UserSession.expires_at > now
        )
    ).one()


def safe_next_path(candidate: str | None, default: str = "/") -> str:
    """Only our own absolute paths: no scheme, no host, no protocol-relative '//' tricks."""
    if not candidate:
        return default
    candidate = candidate.strip()
    parts = urlsplit(candidate)
    if (
        parts.scheme
        or parts.netloc
        or not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        or any(ord(ch) < 32 for ch in candidate)
    ):
        return default
    return candidate
