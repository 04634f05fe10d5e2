"""Staff: an account's service status (active, suspended, disconnected) and changing it."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.billing import promises, service_status
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffAccountPage, StaffSessionState

OPTIONS = [{"id": key, "name": label} for key, label in service_status.STATES.items()]
NO_ACCOUNT = "No account with that number."


class StaffServiceStatusState(StaffAccountPage, StaffSessionState):
    """The account named in the address (from its page) or found by number: its standing and its change."""

    # status, label, reason, balance; restore (what restores a suspended service) and its restore_link;
    # promise (the promise to pay in force, in words)
    standing: dict[str, str] = {}
    options: list[dict[str, str]] = OPTIONS

    def _reload(self, db, principal) -> None:
        view = service_status.staff_view(db, principal=principal, account_number=self.account_number)
        self._account_id, self.account_number, self.account_name = view.account_id, view.account_number, view.name
        state = view.standing
        promise = promises.staff_promise(db, principal=principal, account_id=view.account_id)
        self.standing = {
            "status": state.service_status, "label": state.label, "reason": state.reason,
            "balance": formatting.balance(state.balance_cents),
            "restore": formatting.money(state.restore_cents) if state.restore_cents or view.restore_link else "",
            "restore_link": view.restore_link,
            "promise": (f"Promised to pay {formatting.money(promise.amount_cents)} by "
                        f"{formatting.date(promise.promised_on)} (made {formatting.date(promise.created_at, 'MMMd')} "
                        f"by {promise.created_by})" if promise else ""),
        }

    def _empty(self) -> None:
        self.standing = {}

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self._open(db, principal)

    @rx.event
    @signed_in_event
    def find(self, db, principal, form: dict):
        self._open(db, principal, str(form.get("number", "")))
        if not self.found:
            self.errors = {"number": NO_ACCOUNT}

    @rx.event
    @signed_in_event
    def save(self, db, principal, form: dict):
        changed = service_status.set_service_status(db, principal=principal, account_id=self._account(),
                                                    status=str(form.get("service_status", "")),
                                                    reason=str(form.get("reason", "")))
        self._done(db, principal, "Nothing changed.")
        if changed:
            self.notice = f"Service is now: {self.standing['label']}."

    @rx.event
    @signed_in_event
    def cancel_promise(self, db, principal):
        cancelled = promises.cancel_promise(db, principal=principal, account_id=self._account())
        self._done(db, principal, "Promise to pay cancelled." if cancelled else "No promise to cancel.")
