"""Staff settings: the contact Type options subscribers choose from (add, rename, reorder, remove)."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core.errors import FieldErrors
from portal_app.services.selfservice import contacts
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffRowsPage, StaffSessionState, client_id


class StaffContactTypesState(StaffRowsPage, StaffSessionState):
    types: list[dict[str, str]] = []  # id, name, in order
    confirm_id: str = ""  # the type whose removal waits for confirmation
    confirm_name: str = ""

    def _reload(self, db, principal) -> None:
        self.types = [{"id": str(t.id), "name": t.name} for t in contacts.contact_types(db)]

    def _clear(self) -> None:
        super()._clear()
        self.confirm_id = self.confirm_name = ""

    def _name_of(self, type_id: str) -> str:
        return next((row["name"] for row in self.types if row["id"] == str(type_id)), "")

    @rx.event
    @signed_in_event
    def add(self, db, principal, form_data: dict):
        name = contacts.add_contact_type(db, principal=principal, name=str(form_data.get("name", ""))[:200]).name
        self._done(db, principal, f"{name} added.")
        return rx.set_value("field-name", "")

    @rx.event
    @signed_in_event
    def rename(self, db, principal, form_data: dict):
        type_id = str(form_data.get("type_id", ""))
        try:
            row = contacts.rename_contact_type(db, principal=principal, type_id=client_id(type_id, "contact type"),
                                               name=str(form_data.get("name", ""))[:200])
        except FieldErrors as problem:
            self._row_refused(db, principal, type_id, problem)
            return
        self._done(db, principal, f"Renamed to {row.name}.")

    @rx.event
    @signed_in_event
    def move(self, db, principal, type_id: str, step: int):
        self._clear()
        self._reload(db, principal)  # move within the list as it stands now
        order = [row["id"] for row in self.types]
        if str(type_id) not in order or step not in (-1, 1):
            return
        here = order.index(str(type_id))
        there = here + step
        if not 0 <= there < len(order):
            return
        order[here], order[there] = order[there], order[here]
        try:
            contacts.reorder_contact_types(db, principal=principal, type_ids=[int(i) for i in order])
        except FieldErrors:
            db.rollback()
            self._done(db, principal, "The list changed meanwhile; here it is as it stands.")
            return
        self._done(db, principal, f"{self._name_of(type_id)} moved {'up' if step < 0 else 'down'}.")

    @rx.event
    def ask_remove(self, type_id: str):
        """Only opens the confirmation (nothing is read or changed until REMOVE TYPE)."""
        name = self._name_of(type_id)
        self._clear()
        self.confirm_id, self.confirm_name = (str(type_id), name) if name else ("", "")

    @rx.event
    def cancel_remove(self):
        self.confirm_id = self.confirm_name = ""

    @rx.event
    def confirm_open_change(self, is_open: bool):
        """Escape or a click outside the confirmation closes it without removing anything."""
        if not is_open:
            self.confirm_id = self.confirm_name = ""

    @rx.event
    @signed_in_event
    def remove(self, db, principal):
        type_id, name = self.confirm_id, self.confirm_name
        if not type_id:
            return
        try:
            contacts.remove_contact_type(db, principal=principal, type_id=client_id(type_id, "contact type"))
        except FieldErrors as problem:  # removed meanwhile
            db.rollback()
            self._done(db, principal, str(problem))
            return
        self._done(db, principal, f"{name} removed. Contacts that had it keep their details and show no type.")
