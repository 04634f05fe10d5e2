"""CHANGE a package: pick → cart (PROCEED) → invoice preferences with the next bill → order placed."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.services.orders import package_change
from portal_app.services.core.access import access_account
from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.core import formatting
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event
from portal_app.services.core.i18n import _



def _signed(cents: int) -> str:
    return ("−" if cents < 0 else "") + formatting.money(abs(cents))


class PackageChangeState(SessionState):
    step: str = ""  # pick | cart | preferences | placed | unavailable
    current_name: str = ""
    current_price: str = ""
    options: list[dict[str, str]] = []
    chosen: dict[str, str] = {}
    paperless: bool = True
    prorate: bool = True  # the "When should the new price start?" choice the preview follows
    # The next bill with this change, for each choice: {"text", "amount"} rows, the total, its date.
    preview_prorate: list[dict[str, str]] = []
    preview_next: list[dict[str, str]] = []
    total_prorate: str = ""
    total_next: str = ""
    bill_date: str = ""
    monthly_after: str = ""
    message: str = ""
    err_form: str = ""
    _service_id: int | None = None

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        raw = (parse_qs(self.router.url.query).get("service") or [""])[0]
        self._service_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
        self.chosen, self.err_form, self.message = {}, "", ""
        try:
            service, options = package_change.change_options(db, principal=principal,
                                                             service_id=self._service_id or 0)
            self.paperless = access_account(db, principal).paperless
        except PortalError as problem:  # NotFound included: same page for missing and not yours
            self.step, self.options = "unavailable", []
            self.message = self._t(problem.message)
            return
        per_month = self._per_month
        self.current_name, self.current_price = service.name, per_month(formatting.money(service.monthly_price_cents))
        self.options = [
            {"id": str(o.package_id), "name": o.name, "description": o.description, "speed": o.speed,
             "price": per_month(formatting.money(o.monthly_price_cents)), "direction": o.direction,
             "direction_label": self._t(o.direction),
             "difference": per_month(("+" if o.difference_cents >= 0 else "−") + formatting.money(abs(o.difference_cents)))}
            for o in options
        ]
        self.step = "pick"

    def _per_month(self, price: str) -> str:
        return self._t(_("%(price)s/mo", price=price))

    @rx.event
    def choose(self, package_id: str):
        if self.step not in ("pick", "cart"):
            return
        option = next((o for o in self.options if o["id"] == str(package_id)), None)
        if option is not None:
            self.chosen, self.step = option, "cart"

    @rx.event
    def back_to_pick(self):
        if self.step in ("cart", "preferences"):
            self.step = "pick"

    @rx.event
    @signed_in_event(needs=FULL)
    def proceed(self, db, principal):
        """To the invoice preferences, with the next bill for either choice (the same code as billing)."""
        if self.step != "cart" or not self.chosen or self._service_id is None:
            return
        for prorate in (True, False):
            bill = package_change.preview_next_bill(db, principal=principal, service_id=self._service_id,
                                                    package_id=int(self.chosen["id"]), prorate_now=prorate)
            rows = [{"text": line.description, "amount": _signed(line.amount_cents)} for line in bill.lines]
            if prorate:
                self.preview_prorate, self.total_prorate = rows, formatting.money(bill.total_cents)
            else:
                self.preview_next, self.total_next = rows, formatting.money(bill.total_cents)
        self.bill_date = formatting.date(bill.period_start)
        self.monthly_after = formatting.money(bill.monthly_cents)
        self.prorate = True
        self.step = "preferences"

    @rx.event
    def pick_start(self, value: str):
        self.prorate = value != "next"

    @rx.event
    @signed_in_event(needs=FULL)
    def place(self, db, principal, form: dict):
        if self.step != "preferences" or not self.chosen or self._service_id is None:
            return
        self.err_form = ""
        try:
            package_change.place_package_change(
                db, principal=principal, service_id=self._service_id, package_id=int(self.chosen["id"]),
                prorate_now=form.get("billing_start") == "prorate", paperless=form.get("delivery") != "paper")
        except PortalError as problem:  # nothing of a refused order is kept
            db.rollback()
            self.err_form = self._t(_("That package is not available for your address.")
                                    if isinstance(problem, NotFound) else problem.message)
            return
        self.step = "placed"
