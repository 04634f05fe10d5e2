"""Vacation hold: pick the dates, see the price during the hold and the bill that carries it, ask for it;
the account's holds with their state, cancelling a request still waiting, and ending a hold in force early."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.core.access import access_account, object_id_from
from portal_app.services.core.clock import provider_today
from portal_app.services.orders import holds
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event
from portal_app.services.core.i18n import _


class HoldState(SessionState):
    loaded: bool = False
    allowed: bool = False
    reason: str = ""  # why a hold cannot be asked for now
    price: str = ""
    rules: str = ""
    min_date: str = ""
    max_date: str = ""
    holds: list[dict[str, str]] = []
    # The quote for the dates picked: the hold in words and the bill that first carries it, line by line.
    quoted: bool = False
    quote_text: str = ""
    quote_lines: list[dict[str, str]] = []
    quote_total: str = ""
    quote_bill_date: str = ""
    err_starts_on: str = ""
    err_ends_on: str = ""
    err_form: str = ""
    notice: str = ""
    ending_id: str = ""  # the hold END HOLD NOW was tapped for (its confirmation is open)
    _starts_on: str = ""
    _ends_on: str = ""

    def _clear(self) -> None:
        self.err_starts_on = self.err_ends_on = self.err_form = self.notice = ""

    def _fill(self, db, principal) -> None:
        today = provider_today()
        account = access_account(db, principal)
        fmt = formatting.for_principal(db, principal)
        offer = holds.offer(db, account, today=today)
        self.allowed, self.reason = offer.allowed, self._t(offer.reason)
        if offer.allowed:
            self.price = self._t(_("%(price)s/month", price=fmt.money(offer.price_cents)))
            self.rules = self._t(_("A hold lasts %(low)s to %(high)s days and can start from %(first)s to %(last)s.",
                                   low=offer.min_days, high=offer.max_days, first=fmt.date(offer.earliest, 'MMMd'),
                                   last=fmt.date(offer.latest_start)))
            self.min_date, self.max_date = offer.earliest.isoformat(), offer.latest_start.isoformat()
        self.holds = [{"id": str(h.id), "dates": holds.span(h.starts_on, h.ends_on),
                       "status": self._t(holds.STATUS_WORDS.get(h.status, h.status)), "raw": h.status,
                       "price": self._t(_("%(price)s/month", price=fmt.money(h.monthly_price_cents))),
                       "href": f"/orders#order-{h.workflow_id}" if h.workflow_id else "/orders"}
                      for h in holds.my_holds(db, principal=principal)]
        self.loaded = True

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self._clear()
        self.quoted, self.quote_lines, self._starts_on, self._ends_on = False, [], "", ""
        self._fill(db, principal)

    @rx.event
    @signed_in_event(needs=FULL)
    def preview(self, db, principal, form: dict):
        """The price during the hold and the bill it first shows on, as billing will issue it."""
        self._clear()
        self.quoted = False
        quote = holds.quote_hold(db, principal=principal, starts_on=str(form.get("starts_on", ""))[:10],
                                 ends_on=str(form.get("ends_on", ""))[:10], today=provider_today())
        self._starts_on, self._ends_on = quote.starts_on.isoformat(), quote.ends_on.isoformat()
        fmt = formatting.for_principal(db, principal)
        self.quote_text = self._t(_("%(dates)s: %(days)s days at %(price)s/month instead of your package's price.",
                                    dates=holds.span(quote.starts_on, quote.ends_on), days=quote.days,
                                    price=fmt.money(quote.price_cents)))
        self.quote_lines = [{"text": line.description, "amount": fmt.signed(line.amount_cents)} for line in quote.bill.lines]
        self.quote_total = fmt.money(quote.bill.total_cents)
        self.quote_bill_date = fmt.date(quote.bill.period_start)
        self.quoted = True

    @rx.event
    def change_dates(self):
        self.quoted = False

    @rx.event
    @signed_in_event(needs=FULL)
    def request(self, db, principal):
        if not self.quoted or not self._starts_on:
            return
        self._clear()
        hold = holds.request_hold(db, principal=principal, starts_on=self._starts_on, ends_on=self._ends_on,
                                  today=provider_today())
        self.quoted = False
        self._fill(db, principal)
        self.notice = self._t(_("Your hold request for %(dates)s is sent. We will tell you when it is approved; "
                                "follow it in Order Tracking.", dates=holds.span(hold.starts_on, hold.ends_on)))

    @rx.event
    @signed_in_event(needs=FULL)
    def cancel(self, db, principal, hold_id: str):
        self._clear()
        hold = holds.cancel_request(db, principal=principal, hold_id=object_id_from(hold_id, "hold"))
        self._fill(db, principal)
        self.notice = self._t(_("Your hold request for %(dates)s is cancelled.",
                                dates=holds.span(hold.starts_on, hold.ends_on)))

    @rx.event
    def ask_end(self, hold_id: str):
        self._clear()
        self.ending_id = str(hold_id)

    @rx.event
    def keep_hold(self):
        self.ending_id = ""

    @rx.event
    @signed_in_event(needs=FULL)
    def end_early(self, db, principal):
        """Back early: the service comes back on today (days a bill already credited go on the next one)."""
        if not self.ending_id:
            return
        hold_id, self.ending_id = self.ending_id, ""
        self._clear()
        hold = holds.end_early(db, principal=principal, hold_id=object_id_from(hold_id, "hold"), today=provider_today())
        self._fill(db, principal)
        self.notice = self._t(_("Your vacation hold is over: your service is back on today. Hold days a bill already "
                                "credited are billed at your package's price on your next bill.")
                              if holds.charges_back(hold) else _("Your vacation hold is over: your service is back on today."))
