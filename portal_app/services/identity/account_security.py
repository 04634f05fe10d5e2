"""The signed-in subscriber's own sign-in: password, email address, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import PortalUser
from portal_app.services.core import history
from portal_app.services.identity import access_mail, ratelimit, tokens
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import _
from portal_app.services.identity.passwords import check_new_password
from portal_app.services.identity.portal_users import as_principal, clean_email, end_sessions, set_password
from portal_app.services.core.access import access_own_sign_in
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import verify_password


@dataclass(frozen=True)
class SecurityView:
    username: str
    email: str
    two_factor_on: bool


def _user(db: Session, principal: Principal) -> PortalUser:
    return access_own_sign_in(db, principal)


def security_view(db: Session, *, principal: Principal) -> SecurityView:
    user = _user(db, principal)
    return SecurityView(username=user.username, email=user.email, two_factor_on=user.totp_enabled_at is not None)


def check_current_password(db: Session, *, user: PortalUser, password: str, field: str, message: str) -> None:
    """The current password, asked again before a sensitive change: rate-limited per user, so a
    signed-in tab (left open, or taken over) cannot be used to guess it."""
    limits = [(ratelimit.CURRENT_PASSWORD, str(user.id))]
    try:
        ratelimit.check(db, limits)
    except ratelimit.RateLimited as limited:
        raise FieldErrors({field: limited.message}) from None
    if not verify_password(password, user.password_hash):
        ratelimit.hit(db, limits)
        db.commit()  # the count must survive the refusal below (the caller rolls back)
        raise FieldErrors({field: message})


def change_password(db: Session, *, principal: Principal, current_password: str, new_password: str) -> None:
    """Current password required; other sessions end, reset links die, a notice goes out."""
    user = _user(db, principal)
    check_current_password(db, user=user, password=current_password, field="current_password",
                           message=_("That is not your current password."))
    check_new_password(new_password, field="new_password", username=user.username, email=user.email)
    set_password(db, user=user, new_password=new_password, keep_session_id=principal.session_id)
    access_mail.security_change(
        db, principal=principal, user=user, action="password_changed",
        subject=_("Your portal password was changed"),
        text=_("The password of the portal sign-in '%(username)s' was changed. Other devices were signed out.",
               username=user.username),
        summary=f"{user.username} changed the password; other sessions ended")


def request_email_change(db: Session, *, principal: Principal, password: str, new_email: str) -> str:
    """The new address gets a link; nothing changes until it is opened."""
    user = _user(db, principal)
    address = clean_email(new_email, field="new_email")
    check_current_password(db, user=user, password=password, field="email_password",
                           message=_("That is not your current password."))
    if address == user.email:
        raise FieldErrors({"new_email": _("That is already your email address.")})
    raw = tokens.issue(db, purpose=tokens.EMAIL_CHANGE, user_id=user.id, payload=address)
    access_mail.send_email_change(db, user=user, new_email=address, raw_token=raw)
    history.record_access(
        db, user=user, action="email_change_requested",
        summary=f"{user.username} asked to change the sign-in email to {address}; confirmation link sent there",
        principal=principal)
    return _("We sent a link to %(address)s. Your email address changes when you open it.", address=address)


def confirm_email_change(db: Session, *, raw_token: str) -> PortalUser:
    row = tokens.consume(db, purpose=tokens.EMAIL_CHANGE, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.disabled or not row.payload:
        raise tokens.TokenInvalid()
    old = user.email
    user.email = row.payload
    db.add(user)
    access_mail.security_change(
        db, principal=as_principal(user), user=user, to=old, action="email_changed",
        subject=_("Your portal email address was changed"),
        text=_("The email address of the portal sign-in '%(username)s' was changed from %(old)s to %(new)s.",
               username=user.username, old=old, new=user.email),
        summary=f"{user.username} changed the sign-in email from {old} to {user.email}")
    return user


def sign_out_everywhere(db: Session, *, principal: Principal) -> int:
    user = _user(db, principal)
    ended = end_sessions(db, user_id=user.id)
    history.record_access(
        db, user=user, action="signed_out_everywhere",
        summary=f"{user.username} signed out on every device ({ended} sessions)",
        principal=principal)
    return ended
