"""Integration API keys (admin): create (the key is shown once), revoke."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.operations import api_keys
from portal_app.services.core.errors import FieldErrors, Forbidden, NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
from portal_app.theming import current_theme


class StaffApiKeysState(StaffSessionState):
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    new_key: str = ""  # shown once, right after creation; gone on the next load
    notice: str = ""
    refused: str = ""

    async def _reload(self) -> None:
        try:
            _, keys = await as_staff(self, lambda db, p: api_keys.list_keys(db, principal=p))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused, self.rows = str(problem), []
            return
        zone = ZoneInfo(current_theme().timezone)
        self.refused = ""
        self.rows = [{"id": str(k.id), "name": k.name, "prefix": k.prefix, "scope": k.scope,
                      "revoked": "yes" if k.revoked else "",
                      "used": k.last_used_at.astimezone(zone).strftime("%b %-d, %-I:%M %p") if k.last_used_at
                      else "never used", "by": k.created_by} for k in keys]

    @rx.event
    async def load(self):
        self.errors, self.notice, self.new_key = {}, "", ""
        await self._reload()

    @rx.event
    async def create(self, form: dict):
        name, scope = str(form.get("name", ""))[:80], str(form.get("scope", ""))[:8]
        try:
            _, made = await as_staff(self, lambda db, p: api_keys.create_key(db, principal=p, name=name, scope=scope))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        except FieldErrors as problem:
            self.errors = dict(problem.errors)
            return
        self.errors, self.new_key = {}, made.token
        self.notice = "Copy the key now: it is not shown again. The portal keeps only its hash."
        await self._reload()

    @rx.event
    async def revoke(self, key_id: str):
        try:
            await as_staff(self, lambda db, p: api_keys.revoke_key(db, principal=p, key_id=int(key_id)))
        except auth.SessionInvalid:
            return
        except (NotFound, ValueError):
            self.notice = "That key could not be found."
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        self.new_key, self.notice = "", "Revoked: requests with that key now get 401."
        await self._reload()
