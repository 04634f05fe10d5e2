"""AutoPay page: the account's recurring payments, their charges, EDIT, remove, set up."""

from __future__ import annotations

import reflex as rx

from portal_app.services.billing.mandates import ach_terms_text
from portal_app.services.billing import autopay, hosted_payments, payments, statements
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import _
from portal_app.state.session import SessionState
from portal_app.services.core.access import BILLING
from portal_app.state.signed_in import signed_in_event


class AutoPayState(SessionState):
    items: list[dict] = []
    method_options: list[dict] = []
    lock_reason: str = ""
    open_id: int = 0
    charges: list[dict] = []
    editing_id: int = 0
    choice: str = ""
    removing_id: int = 0
    forgetting_id: int = 0
    error: str = ""
    notice: str = ""
    ach_terms: str = ""
    hosted: bool = False
    ach_offered: bool = True  # ACH debits exist only in US dollars

    @rx.var
    def choice_is_ach(self) -> bool:
        return any(o["value"] == self.choice and o["kind"] == "ach" for o in self.method_options)

    def _show_problem(self, problem: Exception) -> None:
        message = next(iter(problem.errors.values())) if isinstance(problem, FieldErrors) else (
            problem.message if isinstance(problem, PortalError) else str(problem))
        self.error = self._t(message)
        self.removing_id = self.forgetting_id = 0

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.error = self.notice = ""
        self.open_id = self.editing_id = self.removing_id = self.forgetting_id = 0
        self.ach_terms = ach_terms_text()
        self.hosted = hosted_payments.uses_hosted_collection()
        self.ach_offered = payments.ach_offered()
        self._refresh(db, principal)

    def _refresh(self, db, principal) -> None:
        views = autopay.list_autopay(db, principal=principal)
        methods = autopay.stored_methods(db, principal=principal)
        self.lock_reason = self._t(autopay.lock_reason(db))
        self.items = [{"id": v.id, "label": v.method_label, "kind": v.method_kind, "repeat_on": self._t(v.repeat_on),
                       "since": v.since, "method_id": str(v.method_id)} for v in views]
        self.method_options = [{"value": str(m.id), "label": autopay.method_label(m), "option": autopay.option_label(m),
                                "kind": m.kind} for m in methods]
        if not any(o["value"] == self.choice for o in self.method_options):
            self.choice = self.method_options[0]["value"] if self.method_options else ""

    @rx.event
    @signed_in_event
    def toggle_history(self, db, principal, recurring_id: int):
        if self.open_id == recurring_id:
            self.open_id = 0
            return
        try:
            rows = autopay.charges(db, principal=principal, recurring_id=int(recurring_id))
        except (PortalError, ValueError, TypeError):
            self.error = self._t(_("That recurring payment could not be found."))
            return
        self.open_id = int(recurring_id)
        fmt = self._formats()
        self.charges = [{"date": fmt.date(p.created_at), "amount": fmt.money(p.amount_cents),
                         "status": statements.PAYMENT_STATUS.get(p.status, p.status)} for p in rows]

    @rx.event
    def choose(self, value: str):
        if any(o["value"] == value for o in self.method_options):
            self.choice = value

    @rx.event
    def start_edit(self, recurring_id: int):
        item = next((i for i in self.items if i["id"] == recurring_id), None)
        if item is not None and not self.lock_reason:
            self.editing_id = item["id"]
            self.choice = item["method_id"]
            self.error = ""

    @rx.event
    def cancel_edit(self):
        self.editing_id = 0

    @rx.event
    def ask_remove(self, recurring_id: int):
        self.removing_id = int(recurring_id) if not self.lock_reason else 0

    @rx.event
    def keep(self):
        self.removing_id = 0
        self.forgetting_id = 0

    @rx.event
    def ask_forget(self, method_id: str):
        self.forgetting_id = int(method_id) if str(method_id).isdigit() else 0

    @rx.event
    @signed_in_event(needs=BILLING)
    def confirm_forget(self, db, principal):
        if not self.forgetting_id:
            return
        self.error = self.notice = ""
        # The method is detached at the gateway too (a network call; this body runs off the loop).
        autopay.remove_method(db, principal=principal, method_id=self.forgetting_id)
        self.notice = self._t(_("Payment method removed."))
        self.forgetting_id = 0
        self._refresh(db, principal)

    @rx.event
    @signed_in_event(needs=BILLING)
    def save_edit(self, db, principal, form: dict):
        self._act(db, principal, "edit", form)

    @rx.event
    @signed_in_event(needs=BILLING)
    def add_recurring(self, db, principal, form: dict):
        self._act(db, principal, "setup", form)

    @rx.event
    @signed_in_event(needs=BILLING)
    def add_new_method(self, db, principal, kind: str):
        """Hosted gateways only: save a new card or bank account on the gateway's page (setup mode)."""
        if not self.hosted or kind not in ("card", "ach"):
            return
        url = hosted_payments.start_setup(db, principal=principal, kind=kind,
                                          attempt_key=payments.new_attempt_key(), autopay_on=True,
                                          client_ip=self.router.session.client_ip)
        return rx.redirect(url)

    @rx.event
    @signed_in_event(needs=BILLING)
    def confirm_remove(self, db, principal):
        self._act(db, principal, "remove", {})

    def _act(self, db, principal, action: str, form: dict) -> None:
        self.error = self.notice = ""
        # The box's ref key names its form (see pages/autopay.py); a submitted checkbox also sends its name.
        ach_ok = bool(form.get(f"{action}_ach_authorization") or form.get("ach_authorization"))
        ip = self.router.session.client_ip
        if action == "remove":
            autopay.remove(db, principal=principal, recurring_id=self.removing_id)
        elif not self.choice.isdigit():
            raise PortalError(_("Choose a stored card or bank account."))
        elif action == "edit":
            autopay.change_method(db, principal=principal, recurring_id=self.editing_id, method_id=int(self.choice),
                                  ach_authorized=ach_ok, client_ip=ip)
        else:
            autopay.set_up(db, principal=principal, method_id=int(self.choice), ach_authorized=ach_ok, client_ip=ip)
        self.notice = self._t({"remove": _("AutoPay removed. Future invoices will not be charged automatically."),
                               "edit": _("AutoPay updated."),
                               "setup": _("AutoPay is on. Each invoice will be charged on its due date.")}[action])
        self.editing_id = self.removing_id = self.forgetting_id = 0
        self._refresh(db, principal)
