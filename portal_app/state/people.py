"""People with access to the chosen account (the holder invites and removes them) and the invitation link's page."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from portal_app.services.core.access import FULL, MEMBER_ROLES, ROLE_LABELS, may
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import N_, _
from portal_app.services.core.principal import Principal
from portal_app.services.identity import memberships, tokens
from portal_app.services.identity.portal_users import SignUpRefused
from portal_app.services.identity.secrets_util import seal, unseal
from portal_app.state.off_loop import in_one_session
from portal_app.state.dialogs import ConfirmDialog
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event
from portal_app.state.tab_guard import event_query_param, reset_tab

ROLE_OPTIONS = [{"value": role, "label": ROLE_LABELS[role]} for role in MEMBER_ROLES]
TOO_LONG = _("That took too long: enter the account again.")
# How a membership came about, as stored (models/identity.py, services/identity/memberships.py): shown translated.
ADDED_BY = (N_("with the sign-in"), N_("proof of the account"), N_("invitation"))
INVITED_BY = "invitation from "


def _added_by(text: str) -> str:
    if text.startswith(INVITED_BY):
        return _("invitation from %(name)s", name=text[len(INVITED_BY):])
    return text


class PeopleState(ConfirmDialog, SessionState):
    people: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    holder: bool = False  # the full role sees and manages who has access
    errors: dict[str, str] = {}
    notice: str = ""
    removing_name: str = ""
    # Adding an account this person holds (any role: it is about their own sign-in), as sign-up proves it.
    add_number: str = ""  # matched, waiting for proof
    add_choices: list[dict[str, str]] = []
    add_bill_proof: bool = False
    add_notice: str = ""
    _add_request: str = ""  # sealed

    def _fill(self, db: Session, principal: Principal) -> None:
        self.holder = may(principal.role, FULL)
        if not self.holder:
            self.people, self.invitations = [], []
            return
        self.people = [{"id": str(m.membership_id), "username": m.username, "email": m.email,
                        "role": self._t(m.role_label),
                        "added": self._t(_("Added %(date)s", date=self._formats().date(m.added_at)))
                        + (f" · {self._t(_added_by(m.added_by))}" if m.added_by else ""),
                        "you": "yes" if m.is_you else ""}
                       for m in memberships.members(db, principal=principal)]
        self.invitations = [{"id": str(i.invitation_id), "email": i.email, "role": self._t(i.role_label),
                             "until": self._t(_("Link works until %(date)s", date=self._formats().date(i.expires_at)))}
                            for i in memberships.pending_invitations(db, principal=principal)]

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.errors, self.notice, self.confirm_open = {}, "", False
        self.add_number, self.add_choices, self.add_notice, self._add_request = "", [], "", ""
        self._fill(db, principal)

    @rx.event
    @signed_in_event
    def start_add(self, db, principal, form: dict):
        self.errors, self.add_notice = {}, ""
        try:
            started = memberships.start_adding_account(
                db, principal=principal, account_number=str(form.get("account_number", ""))[:32],
                last_name=str(form.get("last_name", ""))[:80], billing_zip=str(form.get("billing_zip", ""))[:16],
                client_ip=self.router.session.client_ip)
        except SignUpRefused as refused:  # kept: the attempt counts against the limits
            self.errors = {"account_number": self._t(refused.message)}
            return
        self._add_request, self.add_number = seal(started.request), started.account_number
        self.add_choices = [{"id": str(c.id), "masked": c.masked} for c in started.choices]
        self.add_bill_proof = started.bill_proof

    def _with_add_request(self, step):
        """`step(request)` with the sealed request to add an account; a stale one asks for the account again."""
        if not self._add_request:
            return None
        try:
            result = step(unseal(self._add_request))
        except tokens.TokenInvalid:
            self._add_request, self.add_number = "", ""
            self.errors = {"account_number": self._t(TOO_LONG)}
            return None
        self.errors, self._add_request, self.add_number = {}, "", ""
        return result

    @rx.event
    @signed_in_event
    def send_add_link(self, db, principal, form: dict):
        masked = self._with_add_request(lambda request: memberships.send_add_account_link(
            db, principal=principal, request=request, choice_id=str(form.get("choice", "")),
            client_ip=self.router.session.client_ip))
        if masked is not None:
            self.add_notice = self._t(_("We sent a link to %(address)s. Whoever opens it adds the account to your "
                                        "sign-in; it works once and for 1 hour.", address=masked))

    @rx.event
    @signed_in_event
    def add_with_bill(self, db, principal, form: dict):
        chosen = self._with_add_request(lambda request: memberships.add_account_with_bill(
            db, principal=principal, request=request, value=str(form.get("bill_value", ""))[:40]))
        if chosen is not None:
            self.add_notice = self._t(_("Account %(number)s is added to your sign-in: choose it in the header.",
                                        number=chosen.account_number))
            self._on_page_load(db, principal)  # the header's list of accounts shows it at once

    @rx.event
    @signed_in_event(needs=FULL)
    def invite(self, db, principal, form: dict):
        self.errors = {}
        self.notice = self._t(memberships.invite(db, principal=principal, email=str(form.get("invite_email", ""))[:254],
                                                 role=str(form.get("invite_role", ""))[:12]))
        self._fill(db, principal)

    @rx.event
    def ask_remove(self, membership_id: str, name: str):
        self.removing_name = str(name)[:64]
        self._ask("member", int(membership_id) if str(membership_id).isdigit() else 0)

    @rx.event
    @signed_in_event(needs=FULL)
    def confirm_remove(self, db, principal):
        _kind, membership_id = self._answered() or ("member", 0)  # nothing asked: no member has id 0
        name = memberships.remove_member(db, principal=principal, membership_id=membership_id)
        self.notice = self._t(_("%(name)s no longer has access to this account.", name=name))
        self._fill(db, principal)

    @rx.event
    @signed_in_event(needs=FULL)
    def cancel_invitation(self, db, principal, invitation_id: str):
        memberships.cancel_invitation(db, principal=principal, invitation_id=invitation_id)
        self.notice = self._t(_("Invitation cancelled: its link no longer works."))
        self._fill(db, principal)


class InvitationState(SessionState):
    """/invitation?token=…: accept an account holder's invitation, signed in or with a new sign-in."""

    loaded: bool = False
    valid: bool = False
    account_label: str = ""
    invited_role: str = ""
    invited_by: str = ""
    invited_email: str = ""
    signed_in_as: str = ""
    created: str = ""
    errors: dict[str, str] = {}
    _link: str = ""  # the link's token, sealed (the name _token is the session cookie reader)

    @rx.event
    async def load(self):
        raw = event_query_param(self, "token")[:200]
        self.created, self.errors = "", {}
        try:
            view, who = await in_one_session(memberships.invitation_for_browser, raw_token=raw,
                                             session_token=self._session_token())
        except memberships.InvitationInvalid:
            self.loaded, self.valid, self._link = True, False, ""
            return
        self.loaded, self.valid, self._link = True, True, seal(raw)
        self.account_label, self.invited_role = view.account_label, self._t(view.role_label)
        self.invited_by, self.invited_email, self.signed_in_as = view.invited_by, view.email, who

    @rx.event
    async def accept(self):
        if not self._link:
            return
        raw = unseal(self._link)
        chosen = await self._signed_in(
            lambda db, principal: memberships.accept_invitation(db, principal=principal, raw_token=raw))
        if isinstance(chosen, memberships.AccountChoice):
            await reset_tab(self)  # the session now acts for the new account: start the tab afresh there
            return rx.redirect("/")
        if chosen is None:  # used or expired meanwhile
            self.valid, self._link = False, ""
        return chosen

    @rx.event
    async def create_sign_in(self, form: dict):
        if not self._link:
            return
        password = str(form.get("password", ""))[:1024]
        if password != str(form.get("confirm_password", ""))[:1024]:
            self.errors = {"confirm_password": self._t(_("The two passwords are not the same."))}
            return
        try:
            username = await in_one_session(memberships.create_sign_in_from_invitation, raw_token=unseal(self._link),
                                            username=str(form.get("username", ""))[:64], password=password)
        except memberships.InvitationInvalid:
            self.valid, self._link = False, ""
            return
        except FieldErrors as problem:
            self.errors = {field: self._t(message) for field, message in problem.errors.items()}
            return
        self.errors, self._link, self.created = {}, "", username


class ConfirmAddAccountState(rx.State):
    """/confirm-add-account?token=…: someone who reads an address on the account lets a sign-in add it."""

    loaded: bool = False
    added: str = ""  # the account number added

    @rx.event
    async def load(self):
        raw = event_query_param(self, "token")[:200]
        try:
            number = await in_one_session(memberships.confirm_add_account_link, raw_token=raw)
        except tokens.TokenInvalid:
            number = ""
        self.loaded, self.added = True, number
        return rx.call_script("window.history.replaceState(window.history.state, '', window.location.pathname)")
