"""Webhooks (admin): endpoints (the signing secret shown once) and the delivery log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.operations import webhooks
from portal_app.services.core.errors import FieldErrors, Forbidden, NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
from portal_app.theming import current_theme


class StaffWebhooksState(StaffSessionState):
    endpoints: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    new_secret: str = ""  # shown once
    notice: str = ""
    refused: str = ""

    async def _reload(self) -> None:
        try:
            _, (ends, log) = await as_staff(self, lambda db, p: (webhooks.endpoints(db, principal=p),
                                                                 webhooks.deliveries(db, principal=p)))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        zone = ZoneInfo(current_theme().timezone)
        self.refused = ""
        self.endpoints = [{"id": str(e.id), "url": e.url, "active": "yes" if e.active else ""} for e in ends]
        self.deliveries = [{"event": d.event, "url": d.url, "state": d.state, "attempts": str(d.attempts),
                            "when": d.created_at.astimezone(zone).strftime("%b %-d, %-I:%M %p"),
                            "error": d.last_error} for d in log]

    @rx.event
    async def load(self):
        self.errors, self.notice, self.new_secret = {}, "", ""
        await self._reload()

    @rx.event
    async def add(self, form: dict):
        url = str(form.get("url", ""))[:500]
        try:
            _, (_, secret) = await as_staff(self, lambda db, p: webhooks.add_endpoint(db, principal=p, url=url))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        except FieldErrors as problem:
            self.errors = dict(problem.errors)
            return
        self.errors, self.new_secret = {}, secret
        self.notice = "Copy the signing secret now: it is not shown again."
        await self._reload()

    @rx.event
    async def set_active(self, endpoint_id: str, active: bool):
        try:
            await as_staff(self, lambda db, p: webhooks.set_endpoint_active(db, principal=p,
                                                                           endpoint_id=int(endpoint_id),
                                                                           active=bool(active)))
        except auth.SessionInvalid:
            return
        except (NotFound, ValueError):
            self.notice = "That endpoint could not be found."
            return
        except Forbidden as problem:
            self.refused = str(problem)
            return
        self.notice, self.new_secret = "Endpoint updated.", ""
        await self._reload()
