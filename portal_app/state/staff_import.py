"""Import (admin): the uploaded files' dry run, row by row, then an all-or-nothing apply."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core.errors import Forbidden, NotFound
from portal_app.services.operations import importer
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.tab_guard import event_query_param

SHOWN_ROWS = 500  # the page lists this many rows (refused rows first); the CLI's --report has them all


class StaffImportState(StaffSessionState):
    batch: str = ""
    file_names: str = ""
    summary: str = ""
    ok: bool = False
    applied: bool = False
    counts: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    more: str = ""
    problem: str = ""
    refused: str = ""

    def _show_problem(self, problem: Exception) -> None:
        if isinstance(problem, Forbidden):
            self.refused = str(problem)
        elif isinstance(problem, NotFound):
            self.problem, self.batch = "That upload is gone (uploads are kept for 7 days). Upload the files again.", ""
        else:
            self.problem = str(problem)

    def _run(self, db, principal, apply: bool) -> None:
        if not self.batch.isdigit():
            return
        names, report = importer.run_batch(db, principal=principal, batch_id=int(self.batch), apply=apply)
        self.file_names, self.summary, self.ok, self.applied = names, report.summary(), report.ok, report.applied
        self.counts = [{"kind": f"{k}.csv", **{o: str(report.count(o, k)) for o in ("create", "change", "unchanged",
                                                                                    "refuse")}}
                       for k in importer.KINDS if any(r.kind == k for r in report.rows)]
        ordered = report.refused + [r for r in report.rows if r.outcome != importer.REFUSE]
        self.rows = [{"where": f"{r.kind}.csv row {r.row}", "key": r.key, "outcome": r.outcome, "reason": r.reason}
                     for r in ordered[:SHOWN_ROWS]]
        self.more = f"and {len(ordered) - SHOWN_ROWS} more rows" if len(ordered) > SHOWN_ROWS else ""
        self.problem = "; ".join(report.problems)

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.batch = event_query_param(self, "batch")[:12]
        self.problem = event_query_param(self, "problem")[:300]
        self.rows, self.counts, self.summary, self.applied, self.ok, self.refused = [], [], "", False, False, ""
        importer.may_import(db, principal=principal)  # an agent gets the refusal before choosing any file
        self._run(db, principal, apply=False)

    @rx.event
    @signed_in_event
    def apply(self, db, principal):
        self._run(db, principal, apply=True)
