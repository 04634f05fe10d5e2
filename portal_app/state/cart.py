"""Public shopping cart: service address → packages → cart → subscriber details → order placed."""

from __future__ import annotations

import reflex as rx

from portal_app.services.orders import cart
from portal_app.services.orders.account_services import speed_label
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core import formatting
from portal_app.services.identity.ratelimit import RateLimited
from portal_app.state.language import LanguageState
from portal_app.state.off_loop import in_one_session
from portal_app.services.core.country import terms
from portal_app.services.core.i18n import _

FIELDS = ("street", "city", "zip_code", "package", "first_name", "last_name", "email", "phone", "username", "password")


def _offer(db, *, zip_code: str) -> tuple[str, str, list[dict[str, str]]] | None:
    """(area name, its portal-account step, its packages as rows) for a ZIP code we serve, else None."""
    area = cart.area_for_zip(db, zip_code)
    if area is None:
        return None
    packages = [{"id": str(p.id), "name": p.name, "description": p.description, "speed": speed_label(p),
                 "price": formatting.money(p.monthly_price_cents)} for p in cart.area_packages(db, area.id)]
    return area.name, area.portal_account_mode, packages


class CartState(LanguageState):
    """A substate of LanguageState: the public cart reads the tab's language."""

    step: str = "address"  # address | packages | details | placed
    street: str = ""
    city: str = ""
    state_name: str = ""
    zip_code: str = ""
    area_name: str = ""
    portal_mode: str = "optional"
    packages: list[dict[str, str]] = []
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    account_number: str = ""
    placed_username: str = ""
    placed_email: str = ""

    @rx.event
    def load(self):
        self.step, self.errors, self.chosen = "address", {}, {}

    @rx.event
    async def check_address(self, form: dict):
        self.street = str(form.get("street", ""))[:200]
        self.city = str(form.get("city", ""))[:100]
        self.state_name = str(form.get("state", ""))[:40]
        self.zip_code = str(form.get("zip_code", ""))[:10]
        errors = {}
        if not self.street.strip():
            errors["street"] = self._t(cart.NO_STREET)
        if not self.city.strip():
            errors["city"] = self._t(cart.NO_CITY)
        offer = await in_one_session(_offer, zip_code=self.zip_code)
        if offer is None:
            errors["zip_code"] = self._t(terms().not_served)
        else:
            self.area_name, self.portal_mode, packages = offer
            self.packages = [{**p, "price": self._t(_("%(price)s/mo", price=p["price"]))} for p in packages]
        self.errors = errors
        if not errors:
            self.step = "packages"

    @rx.event
    def add_to_cart(self, package_id: str):
        option = next((p for p in self.packages if p["id"] == str(package_id)), None)
        if option is not None and self.step == "packages":
            self.chosen = option

    @rx.event
    def change_address(self):
        self.step, self.chosen, self.errors = "address", {}, {}

    @rx.event
    def proceed(self):
        if self.step == "packages" and self.chosen:
            self.step, self.errors = "details", {}

    @rx.event
    async def place(self, form: dict):
        if self.step != "details" or not self.chosen:
            return
        text = {k: str(form.get(k, ""))[:200] for k in ("first_name", "last_name", "email", "phone", "username")}
        order = cart.CartForm(street=self.street, city=self.city, state=self.state_name, zip_code=self.zip_code,
                              package_id=int(self.chosen["id"]), want_portal=bool(form.get("want_portal")),
                              password=str(form.get("password", ""))[:200], **text)
        try:
            placed = await in_one_session(cart.place_order, form=order, client_ip=self.router.session.client_ip)
        except FieldErrors as problem:
            self.errors = {k: self._t(v) for k, v in problem.errors.items() if k in FIELDS}
            if set(problem.errors) & {"street", "city", "zip_code", "package"}:
                self.step = "address"
            return
        except RateLimited:
            self.errors = {"form": self._t(_("Too many orders from here. Please try again later or call us."))}
            return
        self.errors = {}
        self.account_number, self.placed_username, self.placed_email = (placed.account_number, placed.username,
                                                                         placed.email)
        self.step = "placed"
