"""Webhooks (admin): endpoints (the signing secret shown once) and the delivery log."""

from __future__ import annotations


import reflex as rx

from portal_app.services.operations import webhooks
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id
from portal_app.services.core import formatting


class StaffWebhooksState(StaffPage, StaffSessionState):
    endpoints: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    new_secret: str = ""  # shown once, right after the endpoint is added

    def _clear(self) -> None:
        super()._clear()
        self.new_secret = ""

    def _reload(self, db, principal) -> None:
        self.endpoints = [{"id": str(e.id), "url": e.url, "active": "yes" if e.active else ""}
                          for e in webhooks.endpoints(db, principal=principal)]
        self.deliveries = [{"event": d.event, "url": d.url, "state": d.state, "attempts": str(d.attempts),
                            "when": formatting.moment(d.created_at, "MMMd"),
                            "error": d.last_error} for d in webhooks.deliveries(db, principal=principal)]

    @rx.event
    @signed_in_event
    def add(self, db, principal, form: dict):
        _, secret = webhooks.add_endpoint(db, principal=principal, url=str(form.get("url", ""))[:500])
        self._done(db, principal, "Copy the signing secret now: it is not shown again.")
        self.new_secret = secret

    @rx.event
    @signed_in_event
    def set_active(self, db, principal, endpoint_id: str, active: bool):
        webhooks.set_endpoint_active(db, principal=principal, endpoint_id=client_id(endpoint_id, "webhook"),
                                     active=bool(active))
        self._done(db, principal, "Endpoint updated.")
