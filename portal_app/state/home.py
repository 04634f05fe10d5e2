"""Home page view data: who is signed in and what they owe."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from portal_app.services.billing import promises
from portal_app.services.selfservice import dashboard
from portal_app.services.core.clock import provider_today
from portal_app.services.core.i18n import _
from portal_app.state.session import SessionState
from portal_app.services.core.access import BILLING
from portal_app.state.signed_in import checks_session, signed_in_event
from portal_app.state.home_billing import HomeBillingState
from portal_app.state.orders import HomeOrdersState
from portal_app.state.scheduling import SchedulingReminderState
from portal_app.state.services import ContractReminderState


class HomeState(SessionState):
    first_name: str = ""
    account_name: str = ""
    account_number: str = ""
    service_address: str = ""
    balance_text: str = ""
    has_balance_due: bool = False  # something is left to pay after the payments still settling
    has_pending: bool = False
    pending_text: str = ""
    left_text: str = ""
    due_text: str = ""
    past_due: bool = False
    service_status: str = "active"  # suspended, disconnected: told first thing
    service_label: str = ""
    service_reason: str = ""
    on_hold: bool = False  # paused by a vacation hold in force: Home offers to end it
    restore_text: str = ""  # suspended for non-payment: what restores it
    restoring: bool = False  # a payment just restored it
    promise_text: str = ""  # "You promised to pay <amount> by <day>."
    promise_min: str = ""  # a promise may be made now: from (ISO date) ...
    promise_max: str = ""  # ... to
    promise_refused: str = ""
    err_promise_date: str = ""
    err_form: str = ""  # a promise refused as a whole (the provider's rules)
    loaded: bool = False

    @rx.event
    @checks_session
    async def load(self):
        """Home's one on_load: the session checked once, every card's data read in one DB session."""
        bill = await self.get_state(HomeBillingState)
        parts = [await self.get_state(cls) for cls in (SchedulingReminderState, ContractReminderState, HomeOrdersState)]

        def fill(db, principal):
            summary = dashboard.home_summary(db, principal=principal, today=provider_today())
            bill._fill(db, principal, left_cents=summary.left_cents)
            for part in parts:
                part._fill(db, principal)
            self._show(summary)

        return await self._signed_in(fill, page_load=True)

    def _show(self, summary: dashboard.HomeSummary) -> None:
        """The cards' texts in the tab's language, money and dates in its locale."""
        fmt, say = self._formats(), self._t
        self.first_name = summary.first_name
        self.account_name = summary.display_name
        self.account_number = summary.account_number
        self.service_address = summary.service_address
        self.balance_text = fmt.balance(summary.balance_cents)
        self.has_balance_due = summary.left_cents > 0
        self.has_pending = summary.pending_cents > 0
        pending = fmt.money(summary.pending_cents)
        self.pending_text = say(_("%(amount)s payment pending (bank)", amount=pending) if summary.pending_bank
                                else _("%(amount)s payment pending", amount=pending))
        self.left_text = fmt.money(summary.left_cents)
        self.due_text = fmt.date(summary.due_on) if summary.due_on else ""
        self.past_due = summary.past_due
        self.service_status, self.service_label = summary.service_status, say(summary.service_label)
        self.service_reason = summary.service_reason
        self.on_hold = summary.on_hold
        self.restore_text = fmt.money(summary.restore_cents) if summary.restore_cents else ""
        self.restoring = summary.restoring
        self.promise_text = say(_("You promised to pay %(amount)s by %(day)s.", amount=fmt.money(summary.promise_cents),
                                  day=fmt.date(summary.promise_on))) if summary.promise_on else ""
        latest = summary.promise_latest
        self.promise_min = (provider_today() + dt.timedelta(days=1)).isoformat() if latest else ""
        self.promise_max = latest.isoformat() if latest else ""
        self.promise_refused = say(summary.promise_refused)
        self.loaded = True

    @rx.event
    @signed_in_event(needs=BILLING)
    def promise(self, db, principal, form: dict):
        """Promise to pay by a date: recorded, and a suspended service is back on until then."""
        self.err_promise_date, self.err_form = "", ""
        promises.make_promise(db, principal=principal, promised_on=str(form.get("promise_date", ""))[:10],
                              today=provider_today())
        self._show(dashboard.home_summary(db, principal=principal, today=provider_today()))
