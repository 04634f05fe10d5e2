"""Import (admin): the uploaded files' dry run, row by row, then an all-or-nothing apply."""

from __future__ import annotations

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.operations import importer
from portal_app.services.core.errors import Forbidden, NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff
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

    async def _run(self, apply: bool) -> None:
        batch = self.batch
        if not batch.isdigit():
            return
        try:
            _, (names, report) = await as_staff(
                self, lambda db, p: importer.run_batch(db, principal=p, batch_id=int(batch), apply=apply))
        except auth.SessionInvalid:
            return
        except Forbidden as refusal:
            self.refused = str(refusal)
            return
        except NotFound:
            self.problem, self.batch = "That upload is gone (uploads are kept for 7 days). Upload the files again.", ""
            return
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
    async def load(self):
        self.batch = event_query_param(self, "batch")[:12]
        self.problem = event_query_param(self, "problem")[:300]
        self.rows, self.counts, self.summary, self.applied, self.ok, self.refused = [], [], "", False, False, ""
        try:  # an agent gets the refusal before choosing any file
            await as_staff(self, lambda db, p: importer.may_import(db, principal=p))
        except auth.SessionInvalid:
            return
        except Forbidden as refusal:
            self.refused = str(refusal)
            return
        await self._run(apply=False)

    @rx.event
    async def apply(self):
        await self._run(apply=True)
