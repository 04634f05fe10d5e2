"""Provider settings (admin): the switches, their recent changes, and the theme in force."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.staff import settings_admin, staff_audit
from portal_app.services.core.errors import FieldErrors, Forbidden
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
from portal_app.theming import current_theme


def _view(db, principal):
    values = settings_admin.form_values(db, principal=principal)
    changes = staff_audit.entries(db, principal=principal, action="settings.", limit=20)
    return values, changes


class StaffSettingsState(StaffSessionState):
    values: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    refused: str = ""
    form_key: int = 0  # bumped after a load or save so the form's default values are redrawn

    async def _reload(self) -> None:
        try:
            _, (values, changes) = await as_staff(self, _view)
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused, self.values, self.changes = str(problem), {}, []
            return
        zone = ZoneInfo(current_theme().timezone)
        self.refused, self.values = "", values
        self.changes = [{"when": c.occurred_at.astimezone(zone).strftime("%b %-d, %Y %-I:%M %p"),
                         "who": c.actor_name, "what": c.detail} for c in changes]
        self.form_key += 1

    @rx.event
    async def load(self):
        self.errors, self.notice = {}, ""
        await self._reload()

    @rx.event
    async def save(self, form: dict):
        values = {switch.name: str(form.get(switch.name, ""))[:400] for switch in settings_admin.SWITCHES}
        try:
            _, changes = await as_staff(self, lambda db, p: settings_admin.update(db, principal=p, values=values))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        except FieldErrors as problem:
            self.errors, self.notice = dict(problem.errors), ""
            return
        self.errors = {}
        self.notice = ("Saved. Subscribers see the change on their next page." if changes
                       else "Nothing changed.")
        await self._reload()
