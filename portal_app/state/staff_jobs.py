"""Staff: the job runner's status (last run, outcome, next run) and, in development, the outbox."""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from portal_app.services.operations import dev_outbox, job_runs
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState
from portal_app.services.core import formatting

OUTCOMES = {"ok": "Succeeded", "failed": "Failed", "": "Not run yet"}


def _when(moment: datetime | None) -> str:
    return formatting.moment(moment, seconds=True) if moment \
        else "never"


def _job(r: job_runs.JobRow) -> dict[str, str]:
    return {
        "name": r.name, "title": job_runs.JOBS[r.name][0], "schedule": job_runs.JOBS[r.name][1],
        "status": "Running now" if r.running else OUTCOMES.get(r.last_outcome, r.last_outcome),
        "failed": "yes" if r.last_outcome == "failed" else "",
        "last": _when(r.last_started_at),
        "next": _when(r.next_run_at) if r.next_run_at else "when the worker starts",
        "summary": r.last_summary.splitlines()[0][:300] if r.last_summary else "",
        "retries": f"{r.failures_in_row} failure(s) in a row; retrying with back-off" if r.failures_in_row else "",
    }


class StaffJobsState(StaffPage, StaffSessionState):
    rows: list[dict[str, str]] = []

    def _reload(self, db, principal) -> None:
        self.rows = [_job(r) for r in job_runs.job_rows(db, principal=principal)]


class StaffOutboxState(StaffSessionState):
    mails: list[dict[str, str]] = []
    unavailable: str = ""  # the page is for development without SMTP only (the service says not found)
    loaded: bool = False

    def _show_problem(self, problem: Exception) -> None:
        self.unavailable, self.mails = "The outbox page is for development without SMTP only.", []

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.mails = [{"id": str(m.id), "to": m.to_address, "subject": m.subject, "body": m.body_text,
                       "when": _when(m.created_at), "state": "delivered" if m.sent else "in the outbox"}
                      for m in dev_outbox.dev_outbox(db, principal=principal)]
        self.unavailable, self.loaded = "", True
