"""Contacts page: the account's people and their emails/phones; add, edit and delete through the service."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.services.selfservice import contacts
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import N_, _
from portal_app.state.dialogs import ConfirmDialog, FormDialog
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event

FIELDS = ("contact_id", "first_name", "last_name", "type_id", "email", "phone")
ADD_TITLES = {"contact": N_("Add Contact"), "email": N_("Add Email Address"), "phone": N_("Add Phone Number")}


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ContactsState(FormDialog, ConfirmDialog, SessionState):
    rows: list[dict[str, str]] = []  # flattened: a "person" row, then its "email"/"phone" rows
    people: list[dict[str, str]] = []  # {"id", "name"} for the add form's person picker
    types: list[dict[str, str]] = []  # {"id", "name"}
    loaded: bool = False
    notice: str = ""
    page_error: str = ""

    # the add/edit form (open: FormDialog)
    form_mode: str = "add"  # add | person | point
    form_title: str = ""
    add_kind: str = "contact"  # contact | email | phone: which fields the add form shows
    person_choice: str = "new"
    point_kind: str = ""
    first_name: str = ""
    last_name: str = ""
    type_id: str = ""
    point_value: str = ""
    err_first_name: str = ""
    err_last_name: str = ""
    err_type_id: str = ""
    err_email: str = ""
    err_phone: str = ""
    err_form: str = ""

    # the delete confirmation (open: ConfirmDialog)
    confirm_text: str = ""
    _editing_id: int | None = None

    def _refresh(self, db, principal) -> None:
        views = contacts.list_contacts(db, principal=principal)
        self.types = [{"id": str(t.id), "name": t.name} for t in contacts.contact_types(db)]
        rows: list[dict[str, str]] = []
        for view in views:
            rows.append({"key": f"person-{view.id}", "kind": "person", "id": str(view.id), "text": view.name,
                         "type_name": view.type_name or self._t(_("No type")), "label": "",
                         "first": view.first_name, "last": view.last_name})
            for point in view.points:
                rows.append({"key": f"point-{point.id}", "kind": point.kind, "id": str(point.id),
                             "text": point.value, "type_name": "", "label": point.label, "first": "", "last": ""})
        self.rows = rows
        self.people = [{"id": str(v.id), "name": v.name} for v in views]
        self.loaded = True

    def _clear_errors(self) -> None:
        self.err_first_name = self.err_last_name = self.err_type_id = ""
        self.err_email = self.err_phone = self.err_form = ""

    def _show_refusal(self, problem: Exception) -> None:
        # The role's refusal is said above the page: close the form or question it came from.
        self.form_open = self.confirm_open = False
        super()._show_refusal(problem)

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.notice = self.page_error = ""
        self.form_open = self.confirm_open = False
        self._refresh(db, principal)
        add = (parse_qs(self.router.url.query).get("add") or [""])[0]
        if add in ADD_TITLES:
            self._open_add(add)

    def _open_add(self, kind: str) -> None:
        self._clear_errors()
        self.form_mode, self.add_kind, self.form_title = "add", kind, self._t(ADD_TITLES[kind])
        # Adding an email or phone goes to the first person (the owner) unless another is picked.
        self.person_choice = self.people[0]["id"] if kind != "contact" and self.people else "new"
        self.first_name = self.last_name = self.point_value = ""
        self.type_id = self.types[0]["id"] if self.types else ""
        self._editing_id = None
        self.form_open = True

    @rx.event
    def open_add(self, kind: str):
        self._open_add(kind if kind in ADD_TITLES else "contact")

    @rx.event
    def choose_person(self, value: str):
        self.person_choice = str(value)

    @rx.event
    def open_edit(self, kind: str, row_id: str):
        """Tap on a name, email or phone: the form opens with its current value."""
        row = next((r for r in self.rows if r["kind"] == kind and r["id"] == str(row_id)), None)
        if row is None:
            return
        self._clear_errors()
        self._editing_id = int(row["id"])
        if kind == "person":
            self.form_mode, self.form_title = "person", self._t(_("Edit name"))
            self.first_name, self.last_name = row["first"], row["last"]
            self.type_id = next((kind["id"] for kind in self.types if kind["name"] == row["type_name"]), "")
        else:
            self.form_mode, self.point_kind = "point", kind
            self.form_title = self._t(_("Edit email address") if kind == "email" else _("Edit phone number"))
            self.point_value = row["text"]
        self.form_open = True

    @rx.event
    @signed_in_event(needs=FULL)
    def submit(self, db, principal, form_data: dict):
        data = {k: str(form_data.get(k, ""))[:300] for k in (*FIELDS, "value")}
        self._clear_errors()
        try:
            if self.form_mode == "person" and self._editing_id is not None:
                contacts.update_contact(db, principal=principal, contact_id=self._editing_id,
                                        first_name=data["first_name"], last_name=data["last_name"],
                                        type_id=data["type_id"])
                self.notice = self._t(_("Contact updated."))
            elif self.form_mode == "point" and self._editing_id is not None:
                contacts.update_point(db, principal=principal, point_id=self._editing_id, value=data["value"])
                self.notice = self._t(_("Contact updated."))
            else:
                contacts.add_contact(db, principal=principal, contact_id=_as_int(data["contact_id"]),
                                     first_name=data["first_name"], last_name=data["last_name"],
                                     type_id=data["type_id"], email=data["email"], phone=data["phone"])
                self.notice = self._t(_("Contact added."))
        except FieldErrors as problem:
            db.rollback()
            for field, message in problem.errors.items():
                if field == "value" or (self.form_mode == "point" and field in ("email", "phone")):
                    field = "email" if self.point_kind == "email" else "phone"
                if hasattr(self, f"err_{field}"):
                    setattr(self, f"err_{field}", self._t(message))
                else:
                    self.err_form = self._t(message)
            return
        except PortalError as problem:
            db.rollback()
            self.err_form = self._t(problem.message)
            return
        self.form_open = False
        self._refresh(db, principal)

    @rx.event
    def ask_delete(self, kind: str, row_id: str):
        """The red X: ask first, naming what goes."""
        row = next((r for r in self.rows if r["kind"] == kind and r["id"] == str(row_id)), None)
        if row is None:
            return
        if kind == "person":
            self.confirm_text = self._t(_("Delete %(name)s and their email addresses and phone numbers?",
                                           name=row["text"]))
        else:
            self.confirm_text = self._t(_("Delete %(name)s?", name=row["text"]))
        self.page_error = ""
        self._ask("contact" if kind == "person" else "point", int(row["id"]))

    @rx.event
    @signed_in_event(needs=FULL)
    def confirm_delete(self, db, principal):
        asked = self._answered()
        if asked is None:
            return
        what, object_id = asked
        try:
            if what == "contact":
                contacts.delete_contact(db, principal=principal, contact_id=object_id)
            else:
                contacts.delete_point(db, principal=principal, point_id=object_id)
        except PortalError as problem:  # NotFound included: gone meanwhile, or never this account's
            db.rollback()
            self.page_error = self._t(problem.message)
            self.notice = ""
        else:
            self.notice = self._t(_("Contact deleted."))
            self.page_error = ""
        self._refresh(db, principal)
