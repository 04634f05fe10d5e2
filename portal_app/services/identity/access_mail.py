"""The access emails (verification, reset, email change, sign-up proof, security notices): each goes
through the notification service as a security message (always sent, to the address it concerns).
Their words are marked `_()`, so the mail reads them in the recipient's language (notify/render.py)."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.models import PortalUser
from portal_app.services.core import history
from portal_app.services.core.access import BILLING, FULL, ROLE_LABELS, VIEW
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.identity import tokens
from portal_app.services.notify.send import send
from portal_app.theming import current_theme

EVENT = "security"
# The role an invitation offers, as its sentence names it, in the recipient's language.
_ROLE_WORDS = {ROLE_LABELS[FULL]: _("full access"), ROLE_LABELS[BILLING]: _("billing only"),
               ROLE_LABELS[VIEW]: _("view only")}


def _link_mail(db: Session, *, user: PortalUser | None = None, to: str, subject: str, intro: str, action: str,
               button: str, lifetime: str, link: str, otherwise: str, account_id: int | None = None) -> None:
    """An emailed single-use link (the access_link template), filed under `account_id` or the user's account."""
    filed_under = account_id if account_id is not None else user.account_id  # type: ignore[union-attr]
    send(db, account_id=filed_under, event=EVENT, template="access_link", key=None, email_to=to,
         context={"subject": subject, "intro": intro, "action": action, "button": button, "lifetime": lifetime,
                  "link": link, "otherwise": otherwise})


def send_verification(db: Session, *, user: PortalUser, raw_token: str, needs_password: bool) -> None:
    provider = current_theme().provider_name
    _link_mail(db, user=user, to=user.email, subject=_("Verify your email for %(provider)s", provider=provider),
               intro=_("A sign-in to the %(provider)s customer portal was set up for you.\nUsername: %(username)s",
                       provider=provider, username=user.username),
               action=_("Open this link to set your password and verify your email address.") if needs_password
               else _("Open this link to verify your email address."),
               button=_("Set your password") if needs_password else _("Verify"),
               lifetime=_("It works once and for 5 days"), link=tokens.link("/verify", raw_token),
               otherwise=_("If you did not expect this email, you can ignore it."))


def send_reset(db: Session, *, user: PortalUser, raw_token: str) -> None:
    provider = current_theme().provider_name
    _link_mail(db, user=user, to=user.email, subject=_("Reset your %(provider)s password", provider=provider),
               intro=_("Someone asked to reset the password of the portal sign-in '%(username)s'.",
                       username=user.username),
               action=_("Open this link to choose a new password."), button=_("Choose a new password"),
               lifetime=_("It works once and for 1 hour"), link=tokens.link("/reset-password", raw_token),
               otherwise=_("If you did not ask for this, ignore this email: your password stays as it is."))


def send_notice(db: Session, *, user: PortalUser, subject: str, text: str, to: str | None = None) -> None:
    """A security notice: tells the subscriber what changed, and whom to call if it was not them."""
    send(db, account_id=user.account_id, event=EVENT, template="security_notice", key=None,
         email_to=to or user.email, context={"subject": subject, "text": text})


def security_change(db: Session, *, principal: Principal, user: PortalUser, action: str, subject: str, text: str,
                    summary: str, to: str | None = None) -> None:
    """A change to a sign-in: the subscriber is told (at `to`, e.g. the old address, when given) and the
    account history keeps it."""
    send_notice(db, user=user, subject=subject, text=text, to=to)
    history.record_access(db, user=user, action=action, summary=summary, principal=principal)


def send_email_change(db: Session, *, user: PortalUser, new_email: str, raw_token: str) -> None:
    provider = current_theme().provider_name
    _link_mail(db, user=user, to=new_email, subject=_("Confirm your new email for %(provider)s", provider=provider),
               intro=_("You asked to use this address for the %(provider)s portal sign-in '%(username)s'.",
                       provider=provider, username=user.username),
               action=_("Open this link to confirm it."), button=_("Confirm this address"),
               lifetime=_("It works once and for 1 day"), link=tokens.link("/confirm-email", raw_token),
               otherwise=_("If you did not ask for this, ignore this email."))


def send_sign_up_proof(db: Session, *, user: PortalUser, to: str, raw_token: str) -> None:
    """To an address already on the account: the link that proves the new sign-in's owner can read it."""
    provider = current_theme().provider_name
    _link_mail(db, user=user, to=to,
               subject=_("Confirm the new portal sign-in for your %(provider)s account", provider=provider),
               intro=_("Someone is setting up the %(provider)s portal sign-in '%(username)s' (%(email)s) for your "
                       "account. It can see your bills, pay and change your services.",
                       provider=provider, username=user.username, email=user.email),
               action=_("If that is you, open this link to finish."), button=_("Finish setting up the sign-in"),
               lifetime=_("It works once and for 1 hour"), link=tokens.link("/confirm-sign-up", raw_token),
               otherwise=_("If it is not you, ignore this email: without the link the sign-in is never made."))


def send_new_user_notice(db: Session, *, new_user: PortalUser, to: str, raw_token: str) -> None:
    """To the account's other sign-ins and its holder: a new sign-in exists, and how to remove it."""
    send(db, account_id=new_user.account_id, event=EVENT, template="new_sign_in", key=None, email_to=to,
         context={"username": new_user.username, "email": new_user.email,
                  "remove_link": tokens.link("/remove-sign-in", raw_token)})


def send_invitation(db: Session, *, account_id: int, to: str, inviter: str, account_label: str, role_label: str,
                    raw_token: str) -> None:
    """To the invited person: who invited them to which account, with what access, and the 7-day link."""
    provider = current_theme().provider_name
    _link_mail(db, account_id=account_id, to=to, subject=_("You are invited to a %(provider)s account", provider=provider),
               intro=_("%(inviter)s invited you to the %(provider)s customer portal for the account "
                       "%(account)s (%(role)s).", inviter=inviter, provider=provider, account=account_label,
                       role=_ROLE_WORDS.get(role_label, role_label.lower())),
               action=_("Open this link to sign in, or create a sign-in, and accept."), button=_("Accept"),
               lifetime=_("It works once and for 7 days"), link=tokens.link("/invitation", raw_token),
               otherwise=_("If you did not expect this, ignore this email: nothing changes without the link."))


def send_add_account_proof(db: Session, *, account_id: int, user: PortalUser, to: str, account_label: str,
                           raw_token: str) -> None:
    """To an address already on the account: the link that proves a sign-in's owner may add the account."""
    provider = current_theme().provider_name
    _link_mail(db, account_id=account_id, to=to,
               subject=_("Add your %(provider)s account to a portal sign-in", provider=provider),
               intro=_("The portal sign-in '%(username)s' (%(email)s) asked to add the account %(account)s with full "
                       "access: seeing bills, paying and changing services.",
                       username=user.username, email=user.email, account=account_label),
               action=_("If that is you, open this link to add it."), button=_("Add the account"),
               lifetime=_("It works once and for 1 hour"), link=tokens.link("/confirm-add-account", raw_token),
               otherwise=_("If it is not you, ignore this email: without the link nothing is added."))
