"""The staff audit log (admin): who changed what, when, from where; filtered."""

from __future__ import annotations


import reflex as rx

from portal_app.services.staff import staff_audit
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState
from portal_app.state.tab_guard import event_query_param
from portal_app.services.core import formatting


class StaffAuditState(StaffPage, StaffSessionState):
    rows: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    actor: str = ""
    action: str = ""
    text: str = ""

    def _reload(self, db, principal) -> None:
        rows = staff_audit.entries(db, principal=principal, actor=self.actor, action=self.action, text=self.text)
        self.groups = [{"id": g, "name": g} for g in staff_audit.action_groups(db, principal=principal)]
        self.rows = [{"when": formatting.moment(r.occurred_at, seconds=True), "who": r.actor_name,
                      "action": r.action, "target": r.target, "detail": r.detail, "ip": r.client_ip or "-"}
                     for r in rows]

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.actor, self.text = "", ""
        self.action = event_query_param(self, "action")[:60]  # the Settings page links to its own changes
        self._clear()
        self._reload(db, principal)
        self.loaded = True

    @rx.event
    @signed_in_event
    def filter(self, db, principal, form: dict):
        self.actor = str(form.get("actor", ""))[:120]
        self.action = str(form.get("action", ""))[:60]
        self.text = str(form.get("text", ""))[:200]
        self._clear()
        self._reload(db, principal)
