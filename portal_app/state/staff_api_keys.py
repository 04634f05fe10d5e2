"""Integration API keys (admin): create (the key is shown once), revoke."""

from __future__ import annotations


import reflex as rx

from portal_app.services.operations import api_keys
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id
from portal_app.services.core import formatting


class StaffApiKeysState(StaffPage, StaffSessionState):
    rows: list[dict[str, str]] = []
    new_key: str = ""  # shown once, right after creation; gone on the next load or change

    def _clear(self) -> None:
        super()._clear()
        self.new_key = ""

    def _reload(self, db, principal) -> None:
        self.rows = [{"id": str(k.id), "name": k.name, "prefix": k.prefix, "scope": k.scope,
                      "revoked": "yes" if k.revoked else "",
                      "used": formatting.moment(k.last_used_at, "MMMd") if k.last_used_at
                      else "never used", "by": k.created_by} for k in api_keys.list_keys(db, principal=principal)]

    @rx.event
    @signed_in_event
    def create(self, db, principal, form: dict):
        made = api_keys.create_key(db, principal=principal, name=str(form.get("name", ""))[:80],
                                   scope=str(form.get("scope", ""))[:8])
        self._done(db, principal, "Copy the key now: it is not shown again. The portal keeps only its hash.")
        self.new_key = made.token

    @rx.event
    @signed_in_event
    def revoke(self, db, principal, key_id: str):
        api_keys.revoke_key(db, principal=principal, key_id=client_id(key_id, "API key"))
        self._done(db, principal, "Revoked: requests with that key now get 401.")
