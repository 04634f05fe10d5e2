"""Workflows and their tasks, the low level that orders, the cart and package changes build on:
create a workflow, order its tasks by dependency, and close it when every task is finished."""

from __future__ import annotations

import heapq
from collections import defaultdict

from sqlmodel import Session, col, select

from portal_app.models import Account, Workflow, WorkflowTask, WorkflowTaskDependency, utcnow
from portal_app.services.core import history
from portal_app.services.core.principal import Principal
from portal_app.services.core.i18n import N_

STATUS_LABELS = {"pending": N_("Not started"), "in_progress": N_("In progress"), "completed": N_("Completed"),
                 "skipped": N_("Skipped")}
KIND_LABELS = {"install": N_("Install"), "service_change": N_("Service change"), "vacation_hold": N_("Vacation hold")}
SCHEDULING_TASK = "Schedule installer"  # the step the subscriber finishes by booking the appointment


def ordered_tasks(db: Session, workflow_id: int) -> list[WorkflowTask]:
    """Every task of the workflow in dependency order; cycles (should staff make one) fall back to sequence."""
    return ordered_tasks_of(db, [workflow_id])[workflow_id]


def ordered_tasks_of(db: Session, workflow_ids: list[int]) -> dict[int, list[WorkflowTask]]:
    """`ordered_tasks` for several workflows in two queries (a page of orders costs no query per order)."""
    tasks = list(db.exec(select(WorkflowTask).where(col(WorkflowTask.workflow_id).in_(workflow_ids)))) if workflow_ids else []
    ids = [t.id for t in tasks]
    edges = list(db.exec(select(WorkflowTaskDependency).where(col(WorkflowTaskDependency.task_id).in_(ids)))) if ids else []
    by_workflow: dict[int, list[WorkflowTask]] = {wid: [] for wid in workflow_ids}
    for task in tasks:
        by_workflow[task.workflow_id].append(task)
    return {wid: _dependency_order(found, edges) for wid, found in by_workflow.items()}


def _dependency_order(tasks: list[WorkflowTask], edges: list[WorkflowTaskDependency]) -> list[WorkflowTask]:
    by_id = {t.id: t for t in tasks}
    waiting_on: dict[int, int] = defaultdict(int)
    unlocks: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        if edge.task_id in by_id and edge.depends_on_task_id in by_id and edge.task_id != edge.depends_on_task_id:
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


def finished(task: WorkflowTask) -> bool:
    return task.status in ("completed", "skipped") or task.completed_at is not None


def close_if_done(db: Session, *, principal: Principal, account_id: int, workflow: Workflow) -> bool:
    """Close the workflow if every task is completed or skipped; True when this call closed it."""
    db.flush()
    tasks = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id)).all()
    if all(t.status in ("completed", "skipped") for t in tasks):
        workflow.status, workflow.closed_at = "closed", utcnow()
        db.add(workflow)
        history.record(db, principal=principal, account_id=account_id, kind="workflow", action="closed",
                       summary=f"Order completed: {workflow.title}", entity_type="workflow", entity_id=workflow.id)
        return True
    return False


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
