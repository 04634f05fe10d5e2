"""Staff: an account's workflows (track tasks in the portal, start / complete / skip) and contracts."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.core.clock import provider_today
from portal_app.services.orders import contracts, holds, orders, workflows
from portal_app.services.staff import staff_accounts
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffAccountPage, StaffSessionState, client_id
from portal_app.state.tickets import show_time


class StaffOrdersState(StaffAccountPage, StaffSessionState):
    workflows: list[dict] = []
    contracts: list[dict[str, str]] = []
    editing: str = ""
    edit_name: str = ""
    edit_description: str = ""

    def _reload(self, db, principal) -> None:
        account = staff_accounts.access_account_by_number(db, principal=principal, account_number=self.account_number)
        self._account_id = account.id
        self.account_name = account.display_name
        held = holds.staff_holds(db, principal=principal, account_id=account.id)

        def hold_of(workflow_id: int) -> dict[str, str]:
            hold = held.get(workflow_id)
            if hold is None:
                return {"hold_id": "", "hold_status": "", "hold_text": ""}
            return {"hold_id": str(hold.id), "hold_status": hold.status,
                    "hold_text": (f"{holds.STATUS_WORDS[hold.status]} · {holds.span(hold.starts_on, hold.ends_on)} at "
                                  f"{formatting.money(hold.monthly_price_cents)}/month"
                                  + (f" · decided by {hold.decided_by}" if hold.decided_by else ""))}

        self.workflows = [
            {"id": str(w.id), "title": w.title, "kind": workflows.KIND_LABELS.get(w.kind, w.kind), **hold_of(w.id),
             "status": "Open" if w.status == "open" else "Closed", "open": w.status == "open",
             "tasks": [{"id": str(t.id), "name": t.name, "status": workflows.STATUS_LABELS.get(t.status, t.status),
                        "raw_status": t.status, "trackable": t.trackable, "portal_name": t.portal_name,
                        "portal_description": t.portal_description, "runs": str(t.run_count)}
                       for t in tasks]}
            for w, tasks in orders.staff_workflows(db, principal=principal, account_id=account.id)
        ]
        self.contracts = [
            {"id": str(c.id), "title": c.title, "status": "Signed" if c.status == "signed" else "Pending",
             "signer_name": c.signer_name, "signed_at": show_time(c.signed_at) if c.signed_at else "",
             "signer_ip": c.signer_ip, "signer_user_agent": c.signer_user_agent, "sha256": c.signed_text_sha256}
            for c in contracts.staff_contracts(db, account_id=account.id)
        ]

    def _empty(self) -> None:
        self.workflows, self.contracts = [], []

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.editing = ""
        self._open(db, principal)

    def _task(self, task_id: str) -> dict | None:
        return next((task for w in self.workflows for task in w["tasks"] if task["id"] == str(task_id)), None)

    @rx.event
    def edit(self, task_id: str):
        task = self._task(task_id)
        if task is None:
            return
        self.editing, self.errors = task["id"], {}
        self.edit_name, self.edit_description = task["portal_name"] or task["name"], task["portal_description"]

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors = "", {}

    @rx.event
    @signed_in_event
    def save_tracking(self, db, principal, form: dict):
        self._tracking(db, principal, True, form)

    @rx.event
    @signed_in_event
    def stop_tracking(self, db, principal):
        self._tracking(db, principal, False, {})

    def _tracking(self, db, principal, trackable: bool, form: dict) -> None:
        task = orders.set_trackable(db, principal=principal, account_id=self._account(),
                                    task_id=client_id(self.editing, "task"), trackable=trackable,
                                    portal_name=str(form.get("portal_name", ""))[:400],
                                    portal_description=str(form.get("portal_description", ""))[:2000])
        self._done(db, principal, f"{task.name} is tracked in the portal." if trackable
                   else f"{task.name} is no longer tracked.")
        self.editing = ""

    @rx.event
    @signed_in_event
    def advance(self, db, principal, task_id: str, action: str):
        self._done_or_refused(
            db, principal, lambda: orders.advance_task(db, principal=principal, account_id=self._account(),
                                                       task_id=client_id(task_id, "task"), action=str(action)),
            lambda task: f"{task.name}: {workflows.STATUS_LABELS[task.status]}.")

    @rx.event
    @signed_in_event
    def send_contract(self, db, principal, form: dict):
        row = contracts.send_contract(db, principal=principal, account_id=self._account(),
                                      title=str(form.get("title", ""))[:400],
                                      body_text=str(form.get("body_text", ""))[:contracts.BODY_MAX + 1000])
        self._done(db, principal, f"{row.title} is waiting for the subscriber's signature; they were told.")

    @rx.event
    @signed_in_event
    def decide_hold(self, db, principal, hold_id: str, approve: bool):
        """APPROVE or DECLINE a vacation hold request (one that starts today starts at once)."""
        self._done_or_refused(
            db, principal, lambda: holds.decide(db, principal=principal, account_id=self._account(),
                                                hold_id=client_id(hold_id, "hold"), approve=bool(approve),
                                                today=provider_today()),
            lambda hold: f"Vacation hold {holds.span(hold.starts_on, hold.ends_on)} "
                         f"{'approved' if approve else 'declined'}.")

    @rx.event
    @signed_in_event
    def end_hold(self, db, principal, hold_id: str):
        """END HOLD NOW: the subscriber is back early (the service comes back on today)."""
        self._done_or_refused(
            db, principal, lambda: holds.staff_end_early(db, principal=principal, account_id=self._account(),
                                                         hold_id=client_id(hold_id, "hold"), today=provider_today()),
            lambda hold: f"Vacation hold ended: the service is back on today (the hold ran {holds.span(hold.starts_on, hold.ends_on)}).")

    @rx.event
    @signed_in_event
    def cancel_hold(self, db, principal, hold_id: str):
        self._done_or_refused(
            db, principal, lambda: holds.staff_cancel(db, principal=principal, account_id=self._account(),
                                                      hold_id=client_id(hold_id, "hold")),
            lambda hold: f"Vacation hold {holds.span(hold.starts_on, hold.ends_on)} cancelled.")
