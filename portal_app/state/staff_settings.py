"""Provider settings (admin): the switches, their recent changes, and the theme in force."""

from __future__ import annotations


import reflex as rx

from portal_app.services.staff import settings_admin, staff_audit
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState
from portal_app.services.core import formatting


class StaffSettingsState(StaffPage, StaffSessionState):
    values: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    form_key: int = 0  # bumped after a load or save so the form's default values are redrawn

    def _reload(self, db, principal) -> None:
        self.values = settings_admin.form_values(db, principal=principal)
        self.changes = [{"when": formatting.moment(c.occurred_at),
                         "who": c.actor_name, "what": c.detail}
                        for c in staff_audit.entries(db, principal=principal, action="settings.", limit=20)]
        self.form_key += 1

    @rx.event
    @signed_in_event
    def save(self, db, principal, form: dict):
        values = {switch.name: str(form.get(switch.name, ""))[:400] for switch in settings_admin.SWITCHES}
        changes = settings_admin.update(db, principal=principal, values=values)
        self._done(db, principal, "Saved. Subscribers see the change on their next page." if changes
                   else "Nothing changed.")
