"""Staff settings: the contact Type options subscribers choose from (add, rename, reorder, remove)."""

from __future__ import annotations

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.selfservice import contacts
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.off_loop import off_the_loop


class StaffContactTypesState(StaffSessionState):
    types: list[dict[str, str]] = []  # id, name, in order
    err_name: str = ""
    row_error_id: str = ""
    row_error: str = ""
    notice: str = ""
    confirm_id: str = ""  # the type whose removal waits for confirmation
    confirm_name: str = ""

    def _refresh(self) -> None:
        with session_scope() as db:
            self.types = [{"id": str(t.id), "name": t.name} for t in contacts.contact_types(db)]

    def _clear(self) -> None:
        self.err_name = self.row_error_id = self.row_error = self.notice = ""
        self.confirm_id = self.confirm_name = ""

    def _name_of(self, type_id: str) -> str:
        return next((t["name"] for t in self.types if t["id"] == str(type_id)), "")

    @rx.event
    @off_the_loop
    def load(self):
        if self._staff_principal() is None:
            return
        self._clear()
        self._refresh()

    @rx.event
    @off_the_loop
    def add(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        try:
            with session_scope() as db:
                name = contacts.add_contact_type(db, principal=principal, name=str(form_data.get("name", ""))[:200]).name
        except FieldErrors as problem:
            self.err_name = next(iter(problem.errors.values()))
            return
        self.notice = f"{name} added."
        self._refresh()
        return rx.set_value("field-name", "")

    @rx.event
    @off_the_loop
    def rename(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        type_id = str(form_data.get("type_id", ""))
        try:
            with session_scope() as db:
                row = contacts.rename_contact_type(db, principal=principal, type_id=int(type_id),
                                                   name=str(form_data.get("name", ""))[:200])
                self.notice = f"Renamed to {row.name}."
        except FieldErrors as problem:
            self.row_error_id, self.row_error = type_id, next(iter(problem.errors.values()))
        except (TypeError, ValueError):
            self.notice = "That type no longer exists."
        self._refresh()

    @rx.event
    @off_the_loop
    def move(self, type_id: str, step: int):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        self._refresh()
        order = [t["id"] for t in self.types]
        if str(type_id) not in order or step not in (-1, 1):
            return
        here = order.index(str(type_id))
        there = here + step
        if not 0 <= there < len(order):
            return
        order[here], order[there] = order[there], order[here]
        try:
            with session_scope() as db:
                contacts.reorder_contact_types(db, principal=principal, type_ids=[int(i) for i in order])
        except FieldErrors:
            self.notice = "The list changed meanwhile; here it is as it stands."
        else:
            self.notice = f"{self._name_of(type_id)} moved {'up' if step < 0 else 'down'}."
        self._refresh()

    @rx.event
    @off_the_loop
    def ask_remove(self, type_id: str):
        if self._staff_principal() is None:
            return
        self._clear()
        self.confirm_id, self.confirm_name = str(type_id), self._name_of(type_id)

    @rx.event
    @off_the_loop
    def cancel_remove(self):
        if self._staff_principal() is None:
            return
        self.confirm_id = self.confirm_name = ""

    @rx.event
    @off_the_loop
    def confirm_open_change(self, is_open: bool):
        """Escape or a click outside the confirmation closes it without removing anything."""
        if self._staff_principal() is None or is_open:
            return
        self.confirm_id = self.confirm_name = ""

    @rx.event
    @off_the_loop
    def remove(self):
        principal = self._staff_principal()
        if principal is None or not self.confirm_id:
            return
        type_id, name = self.confirm_id, self.confirm_name
        self._clear()
        try:
            with session_scope() as db:
                contacts.remove_contact_type(db, principal=principal, type_id=int(type_id))
        except (FieldErrors, PortalError, TypeError, ValueError):
            self.notice = "That type no longer exists."
        else:
            self.notice = f"{name} removed. Contacts that had it keep their details and show no type."
        self._refresh()
