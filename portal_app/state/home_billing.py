"""The home page's billing parts: is a bill due, and the AutoPay card."""

from __future__ import annotations

import reflex as rx

from portal_app.services.billing import autopay
from portal_app.state.session import SessionState


class HomeBillingState(SessionState):
    bill_due: bool = False
    autopay_on: bool = False
    autopay_label: str = ""
    quick_actions_open: bool = False

    def _fill(self, db, principal, *, left_cents: int):
        """Part of Home's one load (HomeState.load), which has read what is left to pay."""
        # PAY BILL only for what is left once payments still settling (bank debits) go through.
        self.bill_due = left_cents > 0
        views = autopay.list_autopay(db, principal=principal)
        self.autopay_on = bool(views)
        self.autopay_label = views[0].method_label if views else ""
        self.quick_actions_open = False

    @rx.event
    def toggle_quick_actions(self):
        self.quick_actions_open = not self.quick_actions_open
