"""Two-factor sign-in with an authenticator app (TOTP) and single-use recovery codes."""

from __future__ import annotations

from typing import Any

import base64
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from portal_app.models import AuthToken, PortalUser, RecoveryCode, utcnow
from portal_app.services.identity import access_mail
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import _
from portal_app.services.core.access import access_own_sign_in
from portal_app.services.core.principal import Principal
from portal_app.services.identity.account_security import check_current_password
from portal_app.theming import current_theme

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_data_uri: str  # an SVG image, inline


def _user(db: Session, principal: Principal) -> PortalUser:
    return access_own_sign_in(db, principal)


def _qr(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").strip().lower().encode()).hexdigest()


def is_enabled(db: Session, *, principal: Principal) -> bool:
    return _user(db, principal).totp_enabled_at is not None


def start_enrolment(db: Session, *, principal: Principal) -> Enrolment:
    """A new secret, kept on the user but not active until a code from the app confirms it."""
    user = _user(db, principal)
    return enrol(db, user, name=user.username)


def enrol(db: Session, who: Any, *, name: str) -> Enrolment:
    """Give a subscriber or staff sign-in (`who` has `totp_secret`, `totp_enabled_at`) a new secret,
    inactive until confirmed; the QR code names the provider and `name`."""
    if who.totp_enabled_at is not None:
        raise FieldErrors({"code": _("Two-factor sign-in is already on.")})
    who.totp_secret = pyotp.random_base32()
    db.add(who)
    uri = pyotp.TOTP(who.totp_secret).provisioning_uri(name=name, issuer_name=current_theme().provider_name)
    return Enrolment(secret=who.totp_secret, otpauth_uri=uri, qr_data_uri=_qr(uri))


def _new_recovery_codes(db: Session, user: PortalUser) -> list[str]:
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = []
    for _code in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _char in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    return codes


def confirm_enrolment(db: Session, *, principal: Principal, code: str) -> list[str]:
    """Turn two-factor on once the app shows a right code; returns the recovery codes (shown once)."""
    user = _user(db, principal)
    if user.totp_enabled_at is not None or not user.totp_secret:
        raise FieldErrors({"code": _("Start again: scan a new QR code first.")})
    if not pyotp.TOTP(user.totp_secret).verify(code.replace(" ", "").strip(), valid_window=1):
        raise FieldErrors({"code": _("That code is not right. Enter the 6 digits your app shows now.")})
    user.totp_enabled_at = utcnow()
    db.add(user)
    codes = _new_recovery_codes(db, user)
    access_mail.security_change(
        db, principal=principal, user=user, action="two_factor_enabled",
        subject=_("Two-factor sign-in is on"),
        text=_("Two-factor sign-in was turned on for the portal sign-in '%(username)s'.", username=user.username),
        summary=f"{user.username} turned on two-factor sign-in")
    return codes


def disable(db: Session, *, principal: Principal, password: str) -> None:
    user = _user(db, principal)
    check_current_password(db, user=user, password=password, field="disable_password",
                           message=_("That password is not right."))
    user.totp_secret = None
    user.totp_enabled_at = None
    db.add(user)
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    access_mail.security_change(
        db, principal=principal, user=user, action="two_factor_disabled",
        subject=_("Two-factor sign-in is off"),
        text=_("Two-factor sign-in was turned off for the portal sign-in '%(username)s'.", username=user.username),
        summary=f"{user.username} turned off two-factor sign-in")


def claim_step(db: Session, *, secret: str, code: str, purpose: str, key: str, **owner: int | None) -> bool:
    """A right code from an authenticator app for `secret` (one step of clock drift allowed), usable once.

    Each accepted time step is written as a spent token (`purpose`, owned by `owner`) whose hash is
    unique to `key` and the step, so a code seen over someone's shoulder cannot be replayed in the same
    30 seconds, even on another worker. Subscribers' and staff sign-ins both claim codes here.
    """
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step = totp.timecode(now)
    for offset in (0, -1, 1):
        if not secrets.compare_digest(totp.generate_otp(step + offset), code):
            continue
        try:
            with db.begin_nested():
                db.add(AuthToken(purpose=purpose, token_hash=hashlib.sha256(f"{key}:{step + offset}".encode()).hexdigest(),
                                 expires_at=now + timedelta(minutes=2), used_at=now, **owner))
        except IntegrityError:
            return False
        return True
    return False


def check_code(db: Session, *, user: PortalUser, code: str) -> str | None:
    """'app' or 'recovery' when the code is right (a recovery code is used up), else None."""
    cleaned = code.replace(" ", "").strip()
    if not cleaned or user.totp_enabled_at is None or not user.totp_secret:
        return None
    if cleaned.isdigit() and len(cleaned) == 6:
        return "app" if claim_step(db, secret=user.totp_secret, code=cleaned, purpose="totp_step", key=f"totp:{user.id}",
                                  user_id=user.id) else None
    row = db.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(cleaned), col(RecoveryCode.used_at).is_(None)
        )
    ).first()
    if row is None:
        return None
    claimed = db.execute(
        update(RecoveryCode).where(col(RecoveryCode.id) == row.id, col(RecoveryCode.used_at).is_(None)).values(used_at=utcnow())
    )
    return "recovery" if claimed.rowcount == 1 else None


def recovery_codes_left(db: Session, *, principal: Principal) -> int:
    user = _user(db, principal)
    return len(list(db.exec(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)))))
