"""Staff accounts: the first admin, invitations with a set-password link, roles, disabling, two-factor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.integrations.mail import enqueue_mail
from portal_app.models import AuthToken, StaffUser, UserSession, utcnow
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, STAFF_ROLES, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.identity.passwords import check_new_password
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import hash_password, hash_token, new_token
from portal_app.services.identity import two_factor
from portal_app.services.identity.two_factor import Enrolment
from portal_app.theming import current_theme

INVITE_PURPOSE = "staff_invite"
INVITE_LIFETIME = timedelta(days=5)
SET_PASSWORD_PATH = "/staff/set-password"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StaffRow:
    id: int
    username: str
    full_name: str
    email: str
    role: str
    disabled: bool
    invited: bool  # no password chosen yet
    two_factor: bool
    created_at: datetime


def _clean(full_name: str, email: str, role: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    name = " ".join(str(full_name).split())
    address = str(email).strip().lower()
    if not name or len(name) > 120:
        errors["full_name"] = "Enter the person's name (up to 120 characters)."
    if not _EMAIL.match(address) or len(address) > 254:
        errors["email"] = "Enter an email address such as sam@example.com."
    if role not in STAFF_ROLES:
        errors["role"] = "Choose agent or admin."
    if errors:
        raise FieldErrors(errors)
    return name, address


def _username_taken(db: Session, username: str) -> bool:
    return db.exec(select(StaffUser.id).where(func.lower(StaffUser.username) == username.lower())).first() is not None


def create_admin(db: Session, *, username: str, email: str, full_name: str, password: str) -> StaffUser:
    """The first (or another) admin, from the command line on the server; no invitation needed."""
    name, address = _clean(full_name, email, ADMIN)
    login = str(username).strip().lower()
    if not re.fullmatch(r"[a-z0-9._@-]{3,64}", login):
        raise FieldErrors({"username": "Use 3-64 letters, digits, dots, dashes or @."})
    if _username_taken(db, login):
        raise FieldErrors({"username": "That staff username is taken."})
    check_new_password(password, username=login, email=address)
    staff = StaffUser(username=login, email=address, full_name=name, password_hash=hash_password(password), role=ADMIN)
    db.add(staff)
    db.flush()
    staff_audit.record(db, principal=Principal.system("create-admin"), action="staff.create_admin",
                       target=login, detail=f"Admin {name} <{address}> created on the command line")
    return staff


def list_staff(db: Session, *, principal: Principal) -> list[StaffRow]:
    require_staff(principal, role=ADMIN, what="staff user")
    rows = db.exec(select(StaffUser).order_by(col(StaffUser.disabled), func.lower(StaffUser.full_name))).all()
    return [StaffRow(id=s.id, username=s.username, full_name=s.full_name, email=s.email, role=s.role,
                     disabled=s.disabled, invited=not s.password_hash, two_factor=s.totp_enabled_at is not None,
                     created_at=s.created_at) for s in rows]


def invite(db: Session, *, principal: Principal, full_name: str, email: str, role: str) -> StaffUser:
    """A new staff member who signs in with their email once they chose a password from the link."""
    require_staff(principal, role=ADMIN, what="staff user")
    name, address = _clean(full_name, email, role)
    if _username_taken(db, address):
        raise FieldErrors({"email": "A staff member with that email already exists."})
    staff = StaffUser(username=address, email=address, full_name=name, password_hash="", role=role)
    db.add(staff)
    db.flush()
    _send_invitation(db, staff, inviter=principal.display_name)
    staff_audit.record(db, principal=principal, action="staff.invite", target=address, detail=f"Invited {name} as {role}")
    return staff


def _send_invitation(db: Session, staff: StaffUser, *, inviter: str) -> None:
    now = utcnow()
    db.execute(update(AuthToken).where(col(AuthToken.staff_user_id) == staff.id, col(AuthToken.purpose) == INVITE_PURPOSE,
                                       col(AuthToken.used_at).is_(None)).values(used_at=now))
    raw = new_token()
    db.add(AuthToken(purpose=INVITE_PURPOSE, token_hash=hash_token(raw), staff_user_id=staff.id,
                     expires_at=now + INVITE_LIFETIME))
    link = f"{get_settings().public_url.rstrip('/')}{SET_PASSWORD_PATH}?token={raw}"
    theme = current_theme()
    enqueue_mail(db, to=staff.email, subject=f"{theme.provider_name}: your staff sign-in", body=(
        f"Hello {staff.full_name},\n\n{inviter} added you to the {theme.provider_name} staff portal as {staff.role}.\n"
        f"Choose your password here (the link works once, for 5 days):\n\n{link}\n\n"
        f"Then sign in at {get_settings().public_url.rstrip('/')}/staff/signin with the username {staff.username}.\n"
    ))


def resend_invitation(db: Session, *, principal: Principal, staff_id: int) -> None:
    require_staff(principal, role=ADMIN, what="staff user")
    staff = _get(db, staff_id)
    if staff.password_hash:
        raise FieldErrors({"staff": f"{staff.full_name} has chosen a password already."})
    _send_invitation(db, staff, inviter=principal.display_name)
    staff_audit.record(db, principal=principal, action="staff.invite_again", target=staff.username)


def _invitation(db: Session, raw: str) -> AuthToken:
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(raw or ""),
                                          AuthToken.purpose == INVITE_PURPOSE)).first() if raw and len(raw) < 200 else None
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or row.staff_user_id is None:
        raise NotFound("invitation")
    return row


def invitation_for(db: Session, *, token: str) -> str:
    """The invited username, or NotFound for an expired, used or unknown link."""
    staff = db.get(StaffUser, _invitation(db, token).staff_user_id)
    if staff is None or staff.disabled:
        raise NotFound("invitation")
    return staff.username


def accept_invitation(db: Session, *, token: str, password: str) -> StaffUser:
    """Choose the password from the link; the link works once (a conditional UPDATE claims it)."""
    row = _invitation(db, token)
    staff = db.get(StaffUser, row.staff_user_id)
    if staff is None or staff.disabled:
        raise NotFound("invitation")
    check_new_password(password, username=staff.username, email=staff.email)
    claimed = db.execute(update(AuthToken).where(col(AuthToken.id) == row.id, col(AuthToken.used_at).is_(None))
                         .values(used_at=utcnow()))
    if claimed.rowcount != 1:
        raise NotFound("invitation")
    staff.password_hash = hash_password(password)
    db.add(staff)
    staff_audit.record(db, principal=Principal(kind="staff", display_name=staff.full_name, staff_user_id=staff.id),
                       action="staff.password_set", target=staff.username, detail="Password chosen from the invitation")
    return staff


def _get(db: Session, staff_id: int) -> StaffUser:
    staff = row_or_not_found(db, StaffUser, staff_id, "staff user")
    return staff


def _active_admins(db: Session) -> int:
    return int(db.exec(select(func.count()).select_from(StaffUser).where(
        StaffUser.role == ADMIN, col(StaffUser.disabled).is_(False), StaffUser.password_hash != "")).one())


def set_role(db: Session, *, principal: Principal, staff_id: int, role: str) -> StaffUser:
    require_staff(principal, role=ADMIN, what="staff user")
    staff = _get(db, staff_id)
    if role not in STAFF_ROLES:
        raise FieldErrors({"role": "Choose agent or admin."})
    if staff.role == role:
        return staff
    if staff.role == ADMIN and not staff.disabled and _active_admins(db) <= 1:
        raise FieldErrors({"role": "Keep at least one admin: make someone else admin first."})
    before, staff.role = staff.role, role
    db.add(staff)
    staff_audit.record(db, principal=principal, action="staff.role", target=staff.username, detail=f"{before} → {role}")
    return staff


def set_disabled(db: Session, *, principal: Principal, staff_id: int, disabled: bool) -> StaffUser:
    """Disable (signed out everywhere at once) or enable a staff member."""
    require_staff(principal, role=ADMIN, what="staff user")
    staff = _get(db, staff_id)
    if disabled and staff.id == principal.staff_user_id:
        raise FieldErrors({"staff": "You cannot disable yourself."})
    if disabled and staff.role == ADMIN and not staff.disabled and _active_admins(db) <= 1:
        raise FieldErrors({"staff": "Keep at least one admin who can sign in."})
    staff.disabled = bool(disabled)
    db.add(staff)
    if disabled:
        db.execute(update(UserSession).where(col(UserSession.staff_user_id) == staff.id,
                                             col(UserSession.revoked_at).is_(None)).values(revoked_at=utcnow()))
    staff_audit.record(db, principal=principal, action="staff.disable" if disabled else "staff.enable",
                       target=staff.username)
    return staff


def reset_two_factor(db: Session, *, principal: Principal, staff_id: int) -> StaffUser:
    """For a lost phone: two-factor off, so they sign in with the password and set it up again."""
    require_staff(principal, role=ADMIN, what="staff user")
    staff = _get(db, staff_id)
    staff.totp_secret = None
    staff.totp_enabled_at = None
    db.add(staff)
    staff_audit.record(db, principal=principal, action="staff.reset_two_factor", target=staff.username)
    return staff


# --- one's own two-factor sign-in ----------------------------------------------------------------


def _me(db: Session, principal: Principal) -> StaffUser:
    require_staff(principal, what="staff user")
    staff = db.get(StaffUser, principal.staff_user_id)
    if staff is None:
        raise NotFound("staff user")
    return staff


def two_factor_on(db: Session, *, principal: Principal) -> bool:
    return _me(db, principal).totp_enabled_at is not None


def start_two_factor(db: Session, *, principal: Principal) -> Enrolment:
    staff = _me(db, principal)
    return two_factor.enrol(db, staff, name=f"staff:{staff.username}")


def confirm_two_factor(db: Session, *, principal: Principal, code: str) -> None:
    staff = _me(db, principal)
    if staff.totp_enabled_at is not None or not staff.totp_secret:
        raise FieldErrors({"code": "Start again: scan a new QR code first."})
    if not pyotp.TOTP(staff.totp_secret).verify(str(code).replace(" ", "").strip(), valid_window=1):
        raise FieldErrors({"code": "That code is not right. Enter the 6 digits your app shows now."})
    staff.totp_enabled_at = utcnow()
    db.add(staff)
    staff_audit.record(db, principal=principal, action="staff.two_factor_on", target=staff.username)
