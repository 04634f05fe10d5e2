"""Staff: an account's workflows (track tasks in the portal, start / complete / skip) and contracts."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.orders import contracts, orders, workflows
from portal_app.services.staff import staff_accounts
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.tickets import show_time
from portal_app.state.off_loop import off_the_loop


class StaffOrdersState(StaffSessionState):
    account_number: str = ""
    account_name: str = ""
    found: bool = False
    workflows: list[dict] = []
    contracts: list[dict[str, str]] = []
    editing: str = ""
    edit_name: str = ""
    edit_description: str = ""
    errors: dict[str, str] = {}
    notice: str = ""
    _account_id: int | None = None

    def _reload(self, principal) -> None:
        with session_scope() as db:
            account = staff_accounts.access_account_by_number(db, principal=principal,
                                                              account_number=self.account_number)
            self._account_id = account.id
            self.account_name = account.display_name
            self.workflows = [
                {"id": str(w.id), "title": w.title, "kind": workflows.KIND_LABELS.get(w.kind, w.kind),
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

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self.account_number = (parse_qs(self.router.url.query).get("number") or [""])[0][:32]
        self.editing, self.errors, self.notice = "", {}, ""
        try:
            self._reload(principal)
            self.found = True
        except NotFound:
            self.found, self.workflows, self.contracts, self._account_id = False, [], [], None

    def _task(self, task_id: str) -> dict | None:
        return next((t for w in self.workflows for t in w["tasks"] if t["id"] == str(task_id)), None)

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
    @off_the_loop
    def save_tracking(self, form: dict):
        self._tracking(self.editing, True, form)

    @rx.event
    @off_the_loop
    def stop_tracking(self):
        self._tracking(self.editing, False, {})

    def _tracking(self, task_id: str, trackable: bool, form: dict) -> None:
        principal = self._staff_principal()
        if principal is None or self._account_id is None or not str(task_id).isdigit():
            return
        try:
            with session_scope() as db:
                task = orders.set_trackable(db, principal=principal, account_id=self._account_id, task_id=int(task_id),
                                            trackable=trackable, portal_name=str(form.get("portal_name", ""))[:400],
                                            portal_description=str(form.get("portal_description", ""))[:2000])
                self.notice = (f"{task.name} is tracked in the portal." if trackable
                               else f"{task.name} is no longer tracked.")
        except FieldErrors as problem:
            self.errors = dict(problem.errors)
            return
        except NotFound:
            self.notice = "That task could not be found."
        self.editing, self.errors = "", {}
        self._reload(principal)

    @rx.event
    @off_the_loop
    def advance(self, task_id: str, action: str):
        principal = self._staff_principal()
        if principal is None or self._account_id is None or not str(task_id).isdigit():
            return
        try:
            with session_scope() as db:
                task = orders.advance_task(db, principal=principal, account_id=self._account_id, task_id=int(task_id),
                                           action=str(action))
                self.notice = f"{task.name}: {workflows.STATUS_LABELS[task.status]}."
        except PortalError as problem:
            self.notice = str(problem)
        self._reload(principal)
