"""Staff sign-in: their own accounts, tickets, sessions and cookie, apart from subscribers'."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal_app.models import AuthToken, StaffUser, UserSession, utcnow
from portal_app.services.identity import ratelimit
from portal_app.services.identity.auth import (
    TICKET_LIFETIME, NewSession, SessionInvalid, check_live, redeem_ticket, ticket_binding,
    touch_session,
)
from portal_app.services.core.errors import SignInFailed
from portal_app.services.core.principal import Principal
from portal_app.services.identity.two_factor import claim_step
from portal_app.services.identity.secrets_util import hash_token, new_token, verify_password

STAFF_COOKIE = "portal_staff_session"
WRONG_CREDENTIALS = "The username or password is incorrect."
CODE_NEEDED = "Enter the 6-digit code your authenticator app shows."
WRONG_CODE = "That code is not right. Enter the 6 digits your app shows now."


def staff_principal(staff: StaffUser, session_id: int | None = None) -> Principal:
    return Principal(kind="staff", display_name=staff.full_name, staff_user_id=staff.id, session_id=session_id,
                     staff_role=staff.role)


def _claim_code(db: Session, staff: StaffUser, code: str) -> bool:
    """A right TOTP code, usable once: each accepted time step is stored as a spent token (any worker)."""
    cleaned = str(code).replace(" ", "").strip()
    if not (cleaned.isdigit() and len(cleaned) == 6) or not staff.totp_secret:
        return False
    return claim_step(db, secret=staff.totp_secret, code=cleaned, purpose="staff_totp_step", key=f"staff-totp:{staff.id}",
                      staff_user_id=staff.id)


def sign_in_staff(db: Session, *, username: str, password: str, client_ip: str = "", code: str = "",
                  binding: str = "") -> str:
    """Check a staff password (and two-factor code when it is on); return a one-time ticket.

    Raises SignInFailed (commit first: the failure counts). A missing code after a right password
    asks for it; a wrong code counts as a failure like a wrong password. `binding` is the browser's
    pre-session cookie: the ticket works only with it (no login CSRF).
    """
    limits = [(ratelimit.STAFF_SIGN_IN, username.strip()), (ratelimit.SIGN_IN_IP, client_ip)]
    ratelimit.check(db, limits)
    staff = db.exec(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
    ok = verify_password(password, staff.password_hash if staff else None)
    if staff is None or not ok or staff.disabled:
        ratelimit.hit(db, limits)
        raise SignInFailed(WRONG_CREDENTIALS)
    if staff.totp_enabled_at is not None:
        if not str(code).strip():
            raise SignInFailed(CODE_NEEDED)
        if not _claim_code(db, staff, code):
            ratelimit.hit(db, limits)
            raise SignInFailed(WRONG_CODE)
    ratelimit.clear(db, limits[:1])
    return issue_staff_ticket(db, staff, binding=binding)


def issue_staff_ticket(db: Session, staff: StaffUser, *, binding: str = "") -> str:
    """The one-time ticket every staff sign-in ends with (password or identity provider): the browser
    swaps it for the staff cookie at /auth/staff/session/start, only with its pre-session cookie."""
    ticket = new_token()
    db.add(
        AuthToken(
            purpose="staff_ticket", token_hash=hash_token(ticket), staff_user_id=staff.id,
            payload=ticket_binding(binding), expires_at=utcnow() + TICKET_LIFETIME,
        )
    )
    return ticket


def redeem_staff_ticket(
    db: Session, *, ticket: str, client_ip: str = "", user_agent: str = "", binding: str = ""
) -> NewSession:
    _, session = redeem_ticket(db, StaffUser, ticket=ticket, purpose="staff_ticket", owner="staff_user_id",
                               binding=binding, now=utcnow(), client_ip=client_ip, user_agent=user_agent)
    return session


def resolve_staff_session(db: Session, *, token: str | None, now: datetime | None = None) -> Principal:
    """The staff principal behind a staff cookie, in one query (see `auth.resolve_session`)."""
    now = now or utcnow()
    if not token:
        raise SessionInvalid("missing")
    found = db.exec(
        select(UserSession, StaffUser)
        .join(StaffUser, StaffUser.id == UserSession.staff_user_id)
        .where(UserSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        raise SessionInvalid("expired")
    row, staff = found
    db.info["signed_in_rows"] = found  # held for the session's life (see auth.resolve_session)
    check_live(row, now)
    if staff.disabled:
        raise SessionInvalid("revoked")
    touch_session(db, row, now)
    return staff_principal(staff, session_id=row.id)


def end_staff_session(db: Session, *, token: str | None) -> None:
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is not None and row.staff_user_id is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
