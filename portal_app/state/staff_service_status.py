"""Staff: an account's service status (active, suspended, disconnected) and changing it."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.billing import promises, service_status
from portal_app.services.core.errors import NotFound
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffSessionState

OPTIONS = [{"id": key, "name": label} for key, label in service_status.STATES.items()]


class StaffServiceStatusState(StaffSessionState):
    number: str = ""
    found: bool = False
    name: str = ""
    status: str = ""
    label: str = ""
    reason: str = ""
    balance: str = ""
    restore: str = ""
    restore_link: str = ""
    promise: str = ""  # the promise to pay in force, in words
    options: list[dict[str, str]] = OPTIONS
    err_number: str = ""
    err_form: str = ""
    notice: str = ""

    def _show(self, db, principal, number: str) -> None:
        self.err_number, self.err_form = "", ""
        try:
            view = service_status.staff_view(db, principal=principal, account_number=number)
        except NotFound:
            self.found, self.err_number = False, "No account with that number."
            return
        state = view.standing
        self.found, self.number, self.name = True, view.account_number, view.name
        self.status, self.label, self.reason = state.service_status, state.label, state.reason
        self.balance = formatting.balance(state.balance_cents)
        self.restore = formatting.money(state.restore_cents) if state.restore_cents or view.restore_link else ""
        self.restore_link = view.restore_link
        promise = promises.staff_promise(db, principal=principal, account_id=view.account_id)
        self.promise = (f"Promised to pay {formatting.money(promise.amount_cents)} by "
                        f"{formatting.date(promise.promised_on)} (made {formatting.date(promise.created_at, 'MMMd')} by {promise.created_by})"
                        if promise else "")

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.notice, self.found = "", False
        number = (parse_qs(self.router.url.query).get("number") or [""])[0]
        if number:
            self._show(db, principal, number)

    @rx.event
    @signed_in_event
    def find(self, db, principal, form: dict):
        self.notice = ""
        self._show(db, principal, str(form.get("number", "")))

    @rx.event
    @signed_in_event
    def save(self, db, principal, form: dict):
        if not self.found:
            return
        self.notice = ""
        view = service_status.staff_view(db, principal=principal, account_number=self.number)
        changed = service_status.set_service_status(db, principal=principal, account_id=view.account_id,
                                                    status=str(form.get("service_status", "")),
                                                    reason=str(form.get("reason", "")))
        self._show(db, principal, self.number)
        self.notice = f"Service is now: {self.label}." if changed else "Nothing changed."

    @rx.event
    @signed_in_event
    def cancel_promise(self, db, principal):
        if not self.found:
            return
        view = service_status.staff_view(db, principal=principal, account_number=self.number)
        cancelled = promises.cancel_promise(db, principal=principal, account_id=view.account_id)
        self._show(db, principal, self.number)
        self.notice = "Promise to pay cancelled." if cancelled else "No promise to cancel."
