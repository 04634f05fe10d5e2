"""Staff: the job runner's status (last run, outcome, next run) and, in development, the outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.operations import dev_outbox, job_runs
from portal_app.services.core.errors import NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
from portal_app.theming import current_theme


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%b %-d, %Y %-I:%M:%S %p") if moment else "never"


class StaffJobsState(StaffSessionState):
    rows: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        try:
            _, rows = await as_staff(self, lambda db, p: job_runs.job_rows(db, principal=p))
        except auth.SessionInvalid:
            return
        zone = ZoneInfo(current_theme().timezone)
        outcome = {"ok": "Succeeded", "failed": "Failed", "": "Not run yet"}
        self.rows = [{
            "name": r.name, "title": job_runs.JOBS[r.name][0], "schedule": job_runs.JOBS[r.name][1],
            "status": "Running now" if r.running else outcome.get(r.last_outcome, r.last_outcome),
            "failed": "yes" if r.last_outcome == "failed" else "",
            "last": _when(r.last_started_at, zone),
            "next": _when(r.next_run_at, zone) if r.next_run_at else "when the worker starts",
            "summary": r.last_summary.splitlines()[0][:300] if r.last_summary else "",
            "retries": f"{r.failures_in_row} failure(s) in a row; retrying with back-off" if r.failures_in_row else "",
        } for r in rows]
        self.loaded = True


class StaffOutboxState(StaffSessionState):
    mails: list[dict[str, str]] = []
    unavailable: str = ""
    loaded: bool = False

    @rx.event
    async def load(self):
        try:
            _, mails = await as_staff(self, lambda db, p: dev_outbox.dev_outbox(db, principal=p))
        except auth.SessionInvalid:
            return
        except NotFound:
            self.unavailable, self.mails = "The outbox page is for development without SMTP only.", []
            return
        zone = ZoneInfo(current_theme().timezone)
        self.unavailable, self.loaded = "", True
        self.mails = [{"id": str(m.id), "to": m.to_address, "subject": m.subject, "body": m.body_text,
                       "when": _when(m.created_at, zone), "state": "delivered" if m.sent else "in the outbox"}
                      for m in mails]
