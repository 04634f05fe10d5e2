"""The words of the access emails (verification, reset, notices); each goes through the outbox."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.integrations.mail import enqueue_mail
from portal_app.models import PortalUser
from portal_app.services.identity import tokens
from portal_app.theming import current_theme


def _signature() -> str:
    theme = current_theme()
    return f"\n\n{theme.provider_name}\nNeed help? {theme.support_phone} · {theme.support_email}\n"


def send_verification(db: Session, *, user: PortalUser, raw_token: str, needs_password: bool) -> None:
    theme = current_theme()
    action = "set your password and verify your email address" if needs_password else "verify your email address"
    body = (
        f"Hello,\n\nA sign-in to the {theme.provider_name} customer portal was set up for you.\n"
        f"Username: {user.username}\n\n"
        f"Open this link to {action}. It works once and for 5 days:\n"
        f"{tokens.link('/verify', raw_token)}\n\n"
        "If you did not expect this email, you can ignore it."
    )
    enqueue_mail(
        db, to=user.email, subject=f"Verify your email for {theme.provider_name}", body=body + _signature(),
        account_id=user.account_id,
    )


def send_reset(db: Session, *, user: PortalUser, raw_token: str) -> None:
    theme = current_theme()
    body = (
        f"Hello,\n\nSomeone asked to reset the password of the portal sign-in '{user.username}'.\n"
        f"Open this link to choose a new password. It works once and for 1 hour:\n"
        f"{tokens.link('/reset-password', raw_token)}\n\n"
        "If you did not ask for this, ignore this email: your password stays as it is."
    )
    enqueue_mail(
        db, to=user.email, subject=f"Reset your {theme.provider_name} password", body=body + _signature(),
        account_id=user.account_id,
    )


def send_notice(db: Session, *, user: PortalUser, subject: str, text: str, to: str | None = None) -> None:
    """A security notice: tells the subscriber what changed, and whom to call if it was not them."""
    body = (
        f"Hello,\n\n{text}\n\n"
        "If this was not you, call us at once: someone may know your password."
    )
    enqueue_mail(db, to=to or user.email, subject=subject, body=body + _signature(), account_id=user.account_id)


def send_email_change(db: Session, *, user: PortalUser, new_email: str, raw_token: str) -> None:
    theme = current_theme()
    body = (
        f"Hello,\n\nOpen this link to use this address for the {theme.provider_name} portal sign-in "
        f"'{user.username}'. It works once and for 1 day:\n{tokens.link('/confirm-email', raw_token)}\n\n"
        "If you did not ask for this, ignore this email."
    )
    enqueue_mail(
        db, to=new_email, subject=f"Confirm your new email for {theme.provider_name}", body=body + _signature(),
        account_id=user.account_id,
    )


def send_sign_up_proof(db: Session, *, user: PortalUser, to: str, raw_token: str) -> None:
    """To an address already on the account: the link that proves the new sign-in's owner can read it."""
    theme = current_theme()
    body = (
        f"Hello,\n\nSomeone is setting up the {theme.provider_name} portal sign-in '{user.username}' "
        f"({user.email}) for your account. It can see your bills, pay and change your services.\n\n"
        f"If that is you, open this link to finish. It works once and for 1 hour:\n"
        f"{tokens.link('/confirm-sign-up', raw_token)}\n\n"
        "If it is not you, ignore this email: without the link the sign-in is never made."
    )
    enqueue_mail(db, to=to, subject=f"Confirm the new portal sign-in for your {theme.provider_name} account",
                 body=body + _signature(), account_id=user.account_id)


def send_new_user_notice(db: Session, *, new_user: PortalUser, to: str, raw_token: str) -> None:
    """To the account's other sign-ins and its holder: a new sign-in exists, and how to remove it."""
    theme = current_theme()
    body = (
        f"Hello,\n\nA new portal sign-in '{new_user.username}' ({new_user.email}) was added to your "
        f"{theme.provider_name} account. It can see your bills, pay and change your services.\n\n"
        f"If you do not know this person, remove the sign-in with this link (it works for 14 days):\n"
        f"{tokens.link('/remove-sign-in', raw_token)}\n\n"
        "If you expected it, there is nothing to do."
    )
    enqueue_mail(db, to=to, subject=f"A new sign-in was added to your {theme.provider_name} account",
                 body=body + _signature(), account_id=new_user.account_id)
