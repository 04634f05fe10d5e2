"""The job runner's bookkeeping in the database: one lease per job, its last run, its next run.

A worker runs a job only after claiming it with a conditional UPDATE (row count 1): the job must be
due (`next_run_at` passed or never set) and its lease free or expired. So any number of workers on
any number of hosts run each scheduled occurrence once; a worker that dies mid-run loses its
lease when it expires and the next due check picks the job up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.models import JobState, utcnow
from portal_app.services.core.access import require_staff
from portal_app.services.core.principal import Principal

MAX_RETRIES = 5
# The worker's jobs, in the order staff see them, with what each does and when (provider's time zone).
JOBS: dict[str, tuple[str, str]] = {
    "mail": ("Mail delivery", "every 20 seconds"),
    "texts": ("Text message delivery", "every 15 seconds"),
    "billing": ("Billing run (this month's invoices)", "daily at 5:00"),
    "promises": ("Promises to pay (reminders, kept, lapsed)", "daily at 6:00"),
    "holds": ("Vacation holds (start and end)", "daily at 6:10"),
    "autopay": ("AutoPay", "daily at 7:00"),
    "expiry_reminders": ("Card-expiry reminders (AutoPay cards)", "daily at 9:00"),
    "bill_reminders": ("Bill reminders (bills due within 3 days)", "daily at 10:00"),
    "settle_ach": ("Settle pending bank payments", "every 15 minutes"),
    "cleanup": ("Cleanup (tokens, sessions, old mail bodies)", "daily at 3:30"),
    "webhooks": ("Webhook deliveries", "every 30 seconds"),
}


def retry_delay(failures_in_row: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes after the 1st..5th failure in a row."""
    return timedelta(minutes=2 ** max(0, failures_in_row - 1))


def ensure(db: Session, name: str) -> None:
    if db.get(JobState, name) is None:
        try:
            with db.begin_nested():
                db.add(JobState(name=name))
        except IntegrityError:  # another worker added it first
            pass


def claim(db: Session, *, name: str, holder: str, lease: timedelta, now: datetime | None = None) -> bool:
    """Take the job's lease if it is due and nobody holds it; commit right after."""
    now = now or utcnow()
    ensure(db, name)
    claimed = db.execute(
        update(JobState)
        .where(col(JobState.name) == name,
               or_(col(JobState.next_run_at).is_(None), col(JobState.next_run_at) <= now),
               or_(col(JobState.lease_until).is_(None), col(JobState.lease_until) <= now))
        .values(lease_holder=holder[:120], lease_until=now + lease, last_started_at=now)
    )
    return claimed.rowcount == 1


def finish(db: Session, *, name: str, holder: str, ok: bool, summary: str, next_scheduled: datetime | None,
           now: datetime | None = None) -> JobState:
    """Record the outcome and release the lease; a failure is due again after a back-off.

    After MAX_RETRIES failures in a row the job waits for its next scheduled time (and the caller
    reports it); one success resets the count.
    """
    now = now or utcnow()
    state = db.get(JobState, name)
    db.refresh(state)
    state.last_finished_at = now
    state.last_outcome = "ok" if ok else "failed"
    state.last_summary = summary[:1000]
    state.failures_in_row = 0 if ok else state.failures_in_row + 1
    if ok or state.failures_in_row > MAX_RETRIES:
        state.next_run_at = next_scheduled
    else:
        retry_at = now + retry_delay(state.failures_in_row)
        state.next_run_at = min(retry_at, next_scheduled) if next_scheduled else retry_at
    if state.lease_holder == holder:
        state.lease_holder, state.lease_until = "", None
    db.add(state)
    return state


def set_next(db: Session, *, name: str, next_scheduled: datetime | None) -> None:
    """At worker start: show staff the next scheduled time for jobs that have never run."""
    ensure(db, name)
    state = db.get(JobState, name)
    if state.next_run_at is None and state.last_started_at is None:
        state.next_run_at = next_scheduled
        db.add(state)


@dataclass(frozen=True)
class JobRow:
    name: str
    running: bool
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_outcome: str
    last_summary: str
    failures_in_row: int
    next_run_at: datetime | None


def job_rows(db: Session, *, principal: Principal, names: list[str] | None = None) -> list[JobRow]:
    """Each job's last run, outcome and next run, in `names` order (any staff member may look)."""
    names = list(JOBS) if names is None else names
    require_staff(principal, what="job")
    now = utcnow()
    states = {s.name: s for s in db.exec(select(JobState))}
    rows = []
    for name in names:
        s = states.get(name) or JobState(name=name)
        rows.append(JobRow(name=name, running=bool(s.lease_until and s.lease_until > now),
                           last_started_at=s.last_started_at, last_finished_at=s.last_finished_at,
                           last_outcome=s.last_outcome, last_summary=s.last_summary,
                           failures_in_row=s.failures_in_row, next_run_at=s.next_run_at))
    return rows
