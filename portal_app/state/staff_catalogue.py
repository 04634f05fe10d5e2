"""Staff: package catalogue and service areas (packages offered, cart portal-account mode)."""

from __future__ import annotations

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.orders import catalogue
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.money import format_cents
from portal_app.state.staff_session import StaffSessionState
from portal_app.theming import current_theme
from portal_app.state.off_loop import off_the_loop


class StaffCatalogueState(StaffSessionState):
    packages: list[dict] = []
    areas: list[dict] = []
    errors: dict[str, str] = {}
    notice: str = ""
    editing_id: str = ""  # the package whose edit dialog is open

    def _reload(self, principal) -> None:
        currency = current_theme().currency
        with session_scope() as db:
            packs = catalogue.packages(db, principal=principal)
            self.packages = [{"id": str(p.id), "code": p.code, "name": p.name, "active": p.active,
                              "price": format_cents(p.monthly_price_cents, currency) + "/mo",
                              "speed": f"{p.download_mbps}/{p.upload_mbps} Mbps",
                              "description": p.description, "price_input": f"{p.monthly_price_cents / 100:.2f}",
                              "download": str(p.download_mbps), "upload": str(p.upload_mbps)} for p in packs]
            self.areas = [{"id": str(a.id), "name": a.name, "zips": a.zip_codes, "mode": a.portal_account_mode,
                           "packages": [{"id": str(p.id), "name": p.name, "offered": p.id in offered,
                                         "key": f"{a.id}-{p.id}"} for p in packs]}
                          for a, offered in catalogue.areas(db, principal=principal)]

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self.errors, self.notice = {}, ""
        self._reload(principal)

    def _run(self, action, notice: str) -> bool:
        principal = self._staff_principal()
        if principal is None:
            return False
        try:
            with session_scope() as db:
                action(db, principal)
        except FieldErrors as problem:
            self.errors = dict(problem.errors)
            return False
        except (NotFound, ValueError, TypeError):
            self.notice = "That could not be found."
            return False
        self.errors, self.notice = {}, notice
        self._reload(principal)
        return True

    @rx.event
    def set_editing(self, package_id: str):
        self.editing_id, self.errors = str(package_id)[:20], {}

    @rx.event
    @off_the_loop
    def update_package(self, form: dict):
        text = {k: str(form.get(k, ""))[:500] for k in ("name", "description", "price", "download_mbps", "upload_mbps")}
        if self._run(lambda db, p: catalogue.update_package(db, principal=p, package_id=int(self.editing_id), **text),
                     f"Package {text['name']} updated."):
            self.editing_id = ""

    @rx.event
    @off_the_loop
    def add_package(self, form: dict):
        text = {k: str(form.get(k, ""))[:500] for k in ("code", "name", "description", "price", "download_mbps",
                                                         "upload_mbps")}
        self._run(lambda db, p: catalogue.add_package(db, principal=p, **text), f"Package {text['name']} added.")

    @rx.event
    @off_the_loop
    def set_active(self, package_id: str, active: bool):
        self._run(lambda db, p: catalogue.set_package_active(db, principal=p, package_id=int(package_id),
                                                             active=bool(active)), "Package updated.")

    @rx.event
    @off_the_loop
    def add_area(self, form: dict):
        self._run(lambda db, p: catalogue.add_area(db, principal=p, name=str(form.get("area_name", ""))[:200],
                                                   zip_codes=str(form.get("zip_codes", ""))[:2000],
                                                   mode=str(form.get("mode", ""))), "Service area added.")

    @rx.event
    @off_the_loop
    def set_mode(self, area_id: str, mode: str):
        self._run(lambda db, p: catalogue.set_area_mode(db, principal=p, area_id=int(area_id), mode=str(mode)),
                  "Portal-account step updated.")

    @rx.event
    @off_the_loop
    def set_offered(self, area_id: str, package_id: str, offered: bool):
        self._run(lambda db, p: catalogue.set_area_package(db, principal=p, area_id=int(area_id),
                                                           package_id=int(package_id), offered=bool(offered)),
                  "Service area packages updated.")
