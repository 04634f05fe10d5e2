"""Order Tracking: an account's workflows as the subscriber sees them (read only).

The tracker lists trackable tasks in dependency order (a topological sort with the task's
sequence, then id, breaking ties between independent lines). Each task is one row however often
it runs, and a task that has ever been completed stays checked when it runs again (a loop), so
the tracker never moves backwards or shows a step twice; the current step is the first one
not yet finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.models import Workflow, WorkflowTask
from portal_app.services.core.access import access_account, access_workflow
from portal_app.services.core.errors import NotFound
from portal_app.services.core.i18n import N_
from portal_app.services.core.principal import Principal
from portal_app.services.core import formatting
from portal_app.services.orders.workflows import (
    KIND_LABELS, STATUS_LABELS, finished, ordered_tasks, ordered_tasks_of,
)


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


def _tracker(workflow: Workflow, tasks: list[WorkflowTask], fmt: formatting.Formatter) -> TrackedOrder:
    tracked = [t for t in tasks if t.trackable]
    current = None
    if workflow.status == "open":
        current = next((i for i, t in enumerate(tracked) if not finished(t)), None)
    steps = []
    for i, task in enumerate(tracked):
        ever_completed = task.status == "completed" or task.completed_at is not None
        if ever_completed:
            state, label = "done", STATUS_LABELS["completed"]
        elif task.status == "skipped":
            state, label = "skipped", STATUS_LABELS["skipped"]
        elif i == current:
            state, label = "current", STATUS_LABELS.get(task.status, STATUS_LABELS["pending"])
        else:
            state, label = "upcoming", STATUS_LABELS.get(task.status, STATUS_LABELS["pending"])
        steps.append(Step(task.id, task.portal_name or task.name, task.portal_description, state, label))
    return TrackedOrder(
        id=workflow.id, title=workflow.title, kind_label=KIND_LABELS.get(workflow.kind, workflow.kind.title()),
        open=workflow.status == "open", placed_on=fmt.date(workflow.created_at), steps=steps,
        done_count=sum(1 for s in steps if s.state == "done"),
        current_name=steps[current].name if current is not None else "")


def tracked_orders(db: Session, *, principal: Principal, open_only: bool = False) -> list[TrackedOrder]:
    """The account's workflows that have at least one trackable task, newest first."""
    account = access_account(db, principal)
    query = select(Workflow).where(Workflow.account_id == account.id)
    if open_only:
        query = query.where(Workflow.status == "open")
    found = list(db.exec(query.order_by(col(Workflow.created_at).desc(), col(Workflow.id).desc())))
    tasks = ordered_tasks_of(db, [w.id for w in found])
    fmt = formatting.for_principal(db, principal)  # the subscriber's language
    orders = [_tracker(w, tasks[w.id], fmt) for w in found]
    return [o for o in orders if o.steps]


def tracked_order(db: Session, *, principal: Principal, workflow_id: int) -> TrackedOrder:
    workflow = access_workflow(db, principal, workflow_id)
    order = _tracker(workflow, ordered_tasks(db, workflow.id), formatting.for_principal(db, principal))
    if not order.steps:
        raise NotFound(N_("order"))
    return order
