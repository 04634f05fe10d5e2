"""Staff: package catalogue and service areas (packages offered, cart portal-account mode)."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.orders import catalogue
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id

PACKAGE_FIELDS = ("name", "description", "price", "download_mbps", "upload_mbps")


def _text(form: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, ""))[:500] for name in names}


class StaffCatalogueState(StaffPage, StaffSessionState):
    packages: list[dict] = []
    areas: list[dict] = []
    editing_id: str = ""  # the package whose edit dialog is open

    def _reload(self, db, principal) -> None:
        packs = catalogue.packages(db, principal=principal)
        self.packages = [{"id": str(p.id), "code": p.code, "name": p.name, "active": p.active,
                          "price": formatting.money(p.monthly_price_cents) + "/mo",
                          "speed": f"{p.download_mbps}/{p.upload_mbps} Mbps",
                          "description": p.description, "price_input": formatting.plain_amount(p.monthly_price_cents),
                          "download": str(p.download_mbps), "upload": str(p.upload_mbps)} for p in packs]
        self.areas = [{"id": str(a.id), "name": a.name, "zips": a.zip_codes, "mode": a.portal_account_mode,
                       "packages": [{"id": str(p.id), "name": p.name, "offered": p.id in offered,
                                     "key": f"{a.id}-{p.id}"} for p in packs]}
                      for a, offered in catalogue.areas(db, principal=principal)]

    @rx.event
    def set_editing(self, package_id: str):
        self.editing_id, self.errors = str(package_id)[:20], {}

    @rx.event
    @signed_in_event
    def update_package(self, db, principal, form: dict):
        text = _text(form, PACKAGE_FIELDS)
        catalogue.update_package(db, principal=principal, package_id=client_id(self.editing_id, "package"), **text)
        self._done(db, principal, f"Package {text['name']} updated.")
        self.editing_id = ""

    @rx.event
    @signed_in_event
    def add_package(self, db, principal, form: dict):
        text = _text(form, ("code", *PACKAGE_FIELDS))
        catalogue.add_package(db, principal=principal, **text)
        self._done(db, principal, f"Package {text['name']} added.")

    @rx.event
    @signed_in_event
    def set_active(self, db, principal, package_id: str, active: bool):
        catalogue.set_package_active(db, principal=principal, package_id=client_id(package_id, "package"),
                                     active=bool(active))
        self._done(db, principal, "Package updated.")

    @rx.event
    @signed_in_event
    def add_area(self, db, principal, form: dict):
        catalogue.add_area(db, principal=principal, name=str(form.get("area_name", ""))[:200],
                           zip_codes=str(form.get("zip_codes", ""))[:2000], mode=str(form.get("mode", "")))
        self._done(db, principal, "Service area added.")

    @rx.event
    @signed_in_event
    def set_mode(self, db, principal, area_id: str, mode: str):
        catalogue.set_area_mode(db, principal=principal, area_id=client_id(area_id, "service area"), mode=str(mode))
        self._done(db, principal, "Portal-account step updated.")

    @rx.event
    @signed_in_event
    def set_offered(self, db, principal, area_id: str, package_id: str, offered: bool):
        catalogue.set_area_package(db, principal=principal, area_id=client_id(area_id, "service area"),
                                   package_id=client_id(package_id, "package"), offered=bool(offered))
        self._done(db, principal, "Service area packages updated.")
