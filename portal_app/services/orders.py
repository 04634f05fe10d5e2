"""Order Tracking: an account's workflows as the subscriber sees them, and the staff's task tools.

The tracker lists trackable tasks in dependency order (a topological sort with the task's
sequence, then id, breaking ties between independent lines). Each task is one row however often
it runs, and a task that has ever been completed stays checked when it runs again (a loop), so
the tracker never moves backwards or shows a step twice; the current step is the first one
not yet finished.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.models import Account, Workflow, WorkflowTask, WorkflowTaskDependency, utcnow
from portal_app.services import history
from portal_app.services.access import access_account, access_workflow
from portal_app.services.access import AGENT, require_staff
from portal_app.services.errors import FieldErrors, NotFound, PortalError
from portal_app.services.principal import Principal

STATUS_LABELS = {"pending": "Not started", "in_progress": "In progress", "completed": "Completed",
                 "skipped": "Skipped"}
KIND_LABELS = {"install": "Install", "service_change": "Service change"}
SCHEDULING_TASK = "Schedule installer"  # the step the subscriber finishes by booking the appointment


def ordered_tasks(db: Session, workflow_id: int) -> list[WorkflowTask]:
    """Every task of the workflow in dependency order; cycles (should staff make one) fall back to sequence."""
    tasks = list(db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow_id)))
    by_id = {t.id: t for t in tasks}
    ids = list(by_id)
    edges = db.exec(select(WorkflowTaskDependency).where(col(WorkflowTaskDependency.task_id).in_(ids))) if ids else []
    waiting_on: dict[int, int] = defaultdict(int)
    unlocks: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        if edge.depends_on_task_id in by_id and edge.task_id != edge.depends_on_task_id:
            waiting_on[edge.task_id] += 1
            unlocks[edge.depends_on_task_id].append(edge.task_id)
    ready = [(t.sequence, t.id) for t in tasks if waiting_on[t.id] == 0]
    heapq.heapify(ready)
    order: list[WorkflowTask] = []
    while ready:
        _, task_id = heapq.heappop(ready)
        order.append(by_id[task_id])
        for nxt in unlocks[task_id]:
            waiting_on[nxt] -= 1
            if waiting_on[nxt] == 0:
                heapq.heappush(ready, (by_id[nxt].sequence, nxt))
    placed = {t.id for t in order}
    order += sorted((t for t in tasks if t.id not in placed), key=lambda t: (t.sequence, t.id))
    return order


def _finished(task: WorkflowTask) -> bool:
    return task.status in ("completed", "skipped") or task.completed_at is not None


@dataclass(frozen=True)
class Step:
    task_id: int
    name: str
    description: str
    state: str  # done | current | upcoming | skipped
    status_label: str


@dataclass(frozen=True)
class TrackedOrder:
    id: int
    title: str
    kind_label: str
    open: bool
    placed_on: str
    steps: list[Step]
    done_count: int
    current_name: str


def _tracker(db: Session, workflow: Workflow) -> TrackedOrder:
    tracked = [t for t in ordered_tasks(db, workflow.id) if t.trackable]
    current = None
    if workflow.status == "open":
        current = next((i for i, t in enumerate(tracked) if not _finished(t)), None)
    steps = []
    for i, task in enumerate(tracked):
        ever_completed = task.status == "completed" or task.completed_at is not None
        if ever_completed:
            state, label = "done", "Completed"
        elif task.status == "skipped":
            state, label = "skipped", "Skipped"
        elif i == current:
            state, label = "current", STATUS_LABELS.get(task.status, "Not started")
        else:
            state, label = "upcoming", STATUS_LABELS.get(task.status, "Not started")
        steps.append(Step(task.id, task.portal_name or task.name, task.portal_description, state, label))
    return TrackedOrder(
        id=workflow.id, title=workflow.title, kind_label=KIND_LABELS.get(workflow.kind, workflow.kind.title()),
        open=workflow.status == "open", placed_on=f"{workflow.created_at:%b %-d, %Y}", steps=steps,
        done_count=sum(1 for s in steps if s.state == "done"),
        current_name=steps[current].name if current is not None else "")


def tracked_orders(db: Session, *, principal: Principal, open_only: bool = False) -> list[TrackedOrder]:
    """The account's workflows that have at least one trackable task, newest first."""
    account = access_account(db, principal)
    query = select(Workflow).where(Workflow.account_id == account.id)
    if open_only:
        query = query.where(Workflow.status == "open")
    orders = [_tracker(db, w) for w in db.exec(query.order_by(col(Workflow.created_at).desc(), col(Workflow.id).desc()))]
    return [o for o in orders if o.steps]


def tracked_order(db: Session, *, principal: Principal, workflow_id: int) -> TrackedOrder:
    workflow = access_workflow(db, principal, workflow_id)
    order = _tracker(db, workflow)
    if not order.steps:
        raise NotFound("order")
    return order


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
    return task


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
    if task is None or _finished(task):
        return
    task.status, task.completed_at, task.run_count = "completed", utcnow(), max(task.run_count, 1)
    db.add(task)
    history.record(db, principal=principal, account_id=account_id, kind="workflow", action="task_complete",
                   summary=f"{workflow.title}: {task.name} completed (the subscriber booked a time)",
                   entity_type="workflow_task", entity_id=task.id)
    _close_if_done(db, principal=principal, account_id=account_id, workflow=workflow)


def _close_if_done(db: Session, *, principal: Principal, account_id: int, workflow: Workflow) -> None:
    db.flush()
    tasks = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id)).all()
    if all(t.status in ("completed", "skipped") for t in tasks):
        workflow.status, workflow.closed_at = "closed", utcnow()
        db.add(workflow)
        history.record(db, principal=principal, account_id=account_id, kind="workflow", action="closed",
                       summary=f"Order completed: {workflow.title}", entity_type="workflow", entity_id=workflow.id)
        if workflow.kind == "service_change":
            from portal_app.services.package_change import apply_package_change  # it builds on this module

            apply_package_change(db, principal=principal, workflow=workflow)


def create_workflow(db: Session, *, principal: Principal, account: Account, kind: str, title: str,
                    steps: list[tuple[str, str, str]], cart_order_id: int | None = None) -> Workflow:
    """A linear workflow; steps are (internal name, portal name or "" for internal only, description)."""
    workflow = Workflow(account_id=account.id, kind=kind, title=title, cart_order_id=cart_order_id)
    db.add(workflow)
    db.flush()
    previous = None
    for sequence, (name, portal_name, description) in enumerate(steps, start=1):
        first = sequence == 1
        task = WorkflowTask(workflow_id=workflow.id, name=name, sequence=sequence, trackable=bool(portal_name),
                            portal_name=portal_name, portal_description=description,
                            status="completed" if first else "pending", run_count=1 if first else 0,
                            completed_at=utcnow() if first else None)
        db.add(task)
        db.flush()
        if previous is not None:
            db.add(WorkflowTaskDependency(task_id=task.id, depends_on_task_id=previous.id))
        previous = task
    history.record(db, principal=principal, account_id=account.id, kind="workflow", action="created",
                   summary=f"{KIND_LABELS.get(kind, kind)} workflow opened: {title}", entity_type="workflow",
                   entity_id=workflow.id)
    return workflow
