"""Notifications page: what we send and on which channel, paperless billing, quiet hours, the texting
number (confirmed by a code), and what was sent lately."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import reflex as rx
from sqlmodel import Session

from portal_app.services.core.principal import Principal
from portal_app.services.notify import log, preferences
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event


class NotificationsState(SessionState):
    rows: list[dict] = []  # {key, label, description, email, sms, email_required, email_offered}
    paperless: bool = True
    texts_available: bool = False
    sms_phone: str = ""
    sms_opted_out: bool = False
    pending_phone: str = ""
    quiet_hours: bool = True
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    zone: str = ""
    texting_from: str = ""
    invited: bool = False  # a person invited to the account: their own email choices only
    sent: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    loaded: bool = False
    form_key: int = 0  # a new key re-renders the choices form from the saved values

    @rx.var
    def quiet_times(self) -> list[dict[str, str]]:
        return [{"id": t, "name": t} for t in preferences.QUIET_TIMES]

    def _fill(self, db: Session, principal: Principal) -> None:
        view = preferences.preferences(db, principal=principal)
        self.rows = [{**asdict(row), "label": self._t(row.label), "description": self._t(row.description)}
                     for row in view.rows]
        self.paperless, self.texts_available = view.paperless, view.texts_available
        self.sms_phone, self.sms_opted_out, self.pending_phone = view.sms_phone, view.sms_opted_out, view.pending_phone
        self.quiet_hours, self.quiet_start, self.quiet_end = view.quiet_hours, view.quiet_start, view.quiet_end
        self.zone, self.texting_from, self.invited = view.zone, view.texting_from, view.invited
        # `status` stays English (the page colours the badge by it); what is read is in the tab's language.
        self.sent = [{**{k: str(v) for k, v in asdict(row).items()}, "status_text": self._t(row.status),
                      "channel": self._t(row.channel), "event": self._t(row.event)}
                     for row in log.sent_to_me(db, principal=principal)]
        self.form_key += 1
        self.loaded = True

    def _change(self, db: Session, principal: Principal, change: Callable[[], str]) -> None:
        """A change on this page: no earlier field messages, the service's answer as the notice, then the
        page as it now stands."""
        self.errors = {}
        self.notice = self._t(change())
        self._fill(db, principal)

    @rx.event
    @signed_in_event
    def load(self, db: Session, principal: Principal):
        self.errors, self.notice = {}, ""
        self._fill(db, principal)

    @rx.event
    @signed_in_event  # the service decides: the account's choices need full access, an invited person's own none
    def save(self, db: Session, principal: Principal, form_data: dict):
        texts_shown = bool(self.sms_phone)  # without a number the text boxes are not on the page
        # A required email's box is shown ticked and disabled, and a disabled box is not submitted: it
        # stays on (also when this save turns paperless off and makes it optional).
        choices = {row["key"]: (bool(row["email_required"] or form_data.get(f"email_{row['key']}")),
                                bool(form_data.get(f"sms_{row['key']}")) if texts_shown else bool(row["sms"]))
                   for row in self.rows}
        self._change(db, principal, lambda: preferences.save_preferences(
            db, principal=principal, choices=choices, paperless=bool(form_data.get("paperless")),
            quiet_hours=bool(form_data.get("quiet_hours")), quiet_start=str(form_data.get("quiet_start", ""))[:5],
            quiet_end=str(form_data.get("quiet_end", ""))[:5]))

    @rx.event
    @signed_in_event(needs=FULL)
    def send_code(self, db: Session, principal: Principal, form_data: dict):
        self._change(db, principal, lambda: preferences.send_code(db, principal=principal,
                                                                  phone=str(form_data.get("phone", ""))[:40]))

    @rx.event
    @signed_in_event(needs=FULL)
    def confirm_code(self, db: Session, principal: Principal, form_data: dict):
        self._change(db, principal, lambda: preferences.confirm_code(db, principal=principal,
                                                                     code=str(form_data.get("code", ""))[:20]))

    @rx.event
    @signed_in_event(needs=FULL)
    def remove_phone(self, db: Session, principal: Principal):
        self._change(db, principal, lambda: preferences.remove_phone(db, principal=principal))

    def _show_problem(self, problem: Exception) -> None:
        self.notice = ""
        super()._show_problem(problem)
