"""The staff audit log (admin): who changed what, when, from where; filtered."""

from __future__ import annotations

from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.staff import staff_audit
from portal_app.services.core.errors import Forbidden
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
from portal_app.theming import current_theme


class StaffAuditState(StaffSessionState):
    rows: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    actor: str = ""
    action: str = ""
    text: str = ""
    refused: str = ""
    loaded: bool = False

    async def _reload(self) -> None:
        actor, action, text = self.actor, self.action, self.text
        try:
            _, (rows, groups) = await as_staff(self, lambda db, p: (
                staff_audit.entries(db, principal=p, actor=actor, action=action, text=text),
                staff_audit.action_groups(db, principal=p)))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused, self.rows = str(problem), []
            return
        zone = ZoneInfo(current_theme().timezone)
        self.refused, self.loaded = "", True
        self.groups = [{"id": g, "name": g} for g in groups]
        self.rows = [{"when": r.occurred_at.astimezone(zone).strftime("%b %-d, %Y %-I:%M:%S %p"), "who": r.actor_name,
                      "action": r.action, "target": r.target, "detail": r.detail, "ip": r.client_ip or "-"}
                     for r in rows]

    @rx.event
    async def load(self):
        query = parse_qs(self.router.url.query)
        self.actor, self.text = "", ""
        self.action = (query.get("action") or [""])[0][:60]
        await self._reload()

    @rx.event
    async def filter(self, form: dict):
        self.actor = str(form.get("actor", ""))[:120]
        self.action = str(form.get("action", ""))[:60]
        self.text = str(form.get("text", ""))[:200]
        await self._reload()
