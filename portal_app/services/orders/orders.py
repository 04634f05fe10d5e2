"""Orders as staff work them: track a task on the portal, start/complete/skip tasks, and the
subscriber's booking finishing the scheduling step. Closing a workflow applies what it was for
(a package change takes effect), which is why this sits above workflows and package changes."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal_app.models import Workflow, WorkflowTask, utcnow
from portal_app.services.core import history, live
from portal_app.services.core.access import AGENT, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.notify.send import send
from portal_app.services.orders.package_change import apply_package_change
from portal_app.services.orders.workflows import SCHEDULING_TASK, STATUS_LABELS, close_if_done, finished, ordered_tasks


# --- staff -------------------------------------------------------------------------------


def staff_workflows(db: Session, *, principal: Principal, account_id: int) -> list[tuple[Workflow, list[WorkflowTask]]]:
    require_staff(principal, role=AGENT, what="order")
    rows = db.exec(select(Workflow).where(Workflow.account_id == account_id)
                   .order_by(col(Workflow.created_at).desc(), col(Workflow.id).desc()))
    return [(w, ordered_tasks(db, w.id)) for w in rows]


def _staff_task(db: Session, principal: Principal, account_id: int, task_id: int) -> tuple[Workflow, WorkflowTask]:
    require_staff(principal, role=AGENT, what="order")
    task = db.get(WorkflowTask, task_id)
    workflow = db.get(Workflow, task.workflow_id) if task else None
    if workflow is None or workflow.account_id != account_id:
        raise NotFound("task")
    return workflow, task


def set_trackable(db: Session, *, principal: Principal, account_id: int, task_id: int, trackable: bool,
                  portal_name: str = "", portal_description: str = "") -> WorkflowTask:
    workflow, task = _staff_task(db, principal, account_id, task_id)
    name = " ".join(str(portal_name or "").split())
    description = str(portal_description or "").strip()
    if trackable:
        errors = {}
        if not name:
            errors["portal_name"] = "A trackable task needs a portal name."
        elif len(name) > 120:
            errors["portal_name"] = "Keep the portal name to 120 characters."
        if len(description) > 500:
            errors["portal_description"] = "Keep the description to 500 characters."
        if errors:
            raise FieldErrors(errors)
        task.portal_name, task.portal_description = name, description
    task.trackable = bool(trackable)
    db.add(task)
    summary = (f"Task '{task.name}' tracked in the portal as '{name}'" if trackable
               else f"Task '{task.name}' no longer tracked in the portal")
    history.record(db, principal=principal, account_id=account_id, kind="workflow", action="task_tracking",
                   summary=f"{workflow.title}: {summary}", entity_type="workflow_task", entity_id=task.id)
    return task


def advance_task(db: Session, *, principal: Principal, account_id: int, task_id: int, action: str) -> WorkflowTask:
    """start | complete | skip; completing or skipping the last open task closes the workflow."""
    workflow, task = _staff_task(db, principal, account_id, task_id)
    if workflow.status != "open":
        raise PortalError("This order is closed.")
    if workflow.kind == "vacation_hold":  # its steps follow the hold: APPROVE / DECLINE, then the daily job
        raise PortalError("A vacation hold moves on with APPROVE or DECLINE, then by its dates.")
    if action == "start":
        if task.status == "in_progress":
            raise PortalError("That task is already in progress.")
        task.status = "in_progress"
        task.run_count += 1
    elif action == "complete":
        if task.status == "completed":
            raise PortalError("That task is already completed.")
        task.status = "completed"
        task.run_count = max(task.run_count, 1)
        task.completed_at = utcnow()
    elif action == "skip":
        if task.status in ("completed", "skipped"):
            raise PortalError("That task is already finished.")
        task.status = "skipped"
    else:
        raise PortalError("Unknown action.")
    db.add(task)
    history.record(db, principal=principal, account_id=account_id, kind="workflow", action=f"task_{action}",
                   summary=f"{workflow.title}: {task.name} {STATUS_LABELS[task.status].lower()}",
                   entity_type="workflow_task", entity_id=task.id)
    _close_if_done(db, principal=principal, account_id=account_id, workflow=workflow)
    live.account_changed(db, account_id=account_id, kind="order")
    if action == "complete" and task.trackable:
        _tell_step_done(db, workflow=workflow, task=task)
    return task


def _tell_step_done(db: Session, *, workflow: Workflow, task: WorkflowTask) -> None:
    """The subscriber follows trackable steps on Order Tracking: tell them one is done (once per step, so
    a step that runs again is not announced twice), with the next tracked step or that the order is done."""
    upcoming = [t for t in ordered_tasks(db, workflow.id) if t.trackable and not finished(t)]
    send(db, account_id=workflow.account_id, event="order_step", template="order_step", key=f"order_step:{task.id}",
         context={"order_title": workflow.title, "step": task.portal_name or task.name,
                  "next_step": upcoming[0].portal_name if upcoming else "", "order_done": workflow.status == "closed"})


def complete_scheduling_step(db: Session, *, principal: Principal, account_id: int, kind: str, title: str) -> None:
    """The subscriber booked the appointment: its order's scheduling step is done (the tracker moves on).

    Appointments carry no workflow id; the account's open workflow of the same kind and title is the
    one it belongs to (the cart and staff create both with one title), else the only open one of that kind.
    """
    open_ones = db.exec(select(Workflow).where(Workflow.account_id == account_id, Workflow.kind == kind,
                                               Workflow.status == "open").order_by(col(Workflow.id))).all()
    workflow = next((w for w in open_ones if w.title == title), open_ones[0] if len(open_ones) == 1 else None)
    if workflow is None:
        return
    task = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id,
                                              WorkflowTask.name == SCHEDULING_TASK)).first()
    if task is None or finished(task):
        return
    task.status, task.completed_at, task.run_count = "completed", utcnow(), max(task.run_count, 1)
    db.add(task)
    history.record(db, principal=principal, account_id=account_id, kind="workflow", action="task_complete",
                   summary=f"{workflow.title}: {task.name} completed (the subscriber booked a time)",
                   entity_type="workflow_task", entity_id=task.id)
    _close_if_done(db, principal=principal, account_id=account_id, workflow=workflow)
    live.account_changed(db, account_id=account_id, kind="order")


def _close_if_done(db: Session, *, principal: Principal, account_id: int, workflow: Workflow) -> None:
    if close_if_done(db, principal=principal, account_id=account_id, workflow=workflow) \
            and workflow.kind == "service_change":
        apply_package_change(db, principal=principal, workflow=workflow)
