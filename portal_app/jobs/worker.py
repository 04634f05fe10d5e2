"""`python -m portal_app worker`: mail and text delivery all the time, the other jobs on their schedule.

APScheduler fires each job at its times in the provider's time zone; before running, the worker
claims the job in the database (services.job_runs), so with several workers on several hosts each
occurrence runs once. A failed job is retried with a growing pause (1, 2, 4, 8, 16 minutes), then
reported: logged as an error, shown on the staff Jobs page and mailed to the admins.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.integrations.mail import deliver_pending, enqueue_mail
from portal_app.jobs import billing_jobs, notify_jobs
from portal_app.models import JobState, StaffUser, session_scope, utcnow
from portal_app.services.billing import promises
from portal_app.services.operations import cleanup, job_runs, webhooks
from portal_app.services.orders import holds
from portal_app.services.core.clock import provider_today
from portal_app.theming import current_theme

log = logging.getLogger("portal.worker")


def _mail(db: Session) -> str:
    settings, theme = get_settings(), current_theme()
    report = deliver_pending(db, smtp_url=settings.smtp_url, sender_name=theme.provider_name,
                             sender_address=settings.mail_from or theme.support_email)
    if not settings.smtp_url:
        return "No PORTAL_SMTP_URL: mail stays in the outbox (staff Outbox page)."
    if report.nothing_delivered_for_server_error:
        raise RuntimeError(report.summary() + "".join(f"; {reason}" for reason in report.reasons[:5]))
    return report.summary()


def _billing(db: Session) -> str:
    return str(billing_jobs.billing_run(db, today=provider_today()))


def _promises(db: Session) -> str:
    return promises.promise_run(db, today=provider_today())


def _holds(db: Session) -> str:
    return holds.holds_run(db, today=provider_today())


def _autopay(db: Session) -> str:
    return str(billing_jobs.autopay_run(db, today=provider_today()))


def _expiry_reminders(db: Session) -> str:
    return str(billing_jobs.expiry_reminders(db, today=provider_today()))


def _bill_reminders(db: Session) -> str:
    return str(notify_jobs.bill_reminders(db, today=provider_today()))


def _settle(db: Session) -> str:
    return str(billing_jobs.settle_pending(db))


def _cleanup(db: Session) -> str:
    return str(cleanup.run_cleanup(db))


def _webhooks(db: Session) -> str:
    return webhooks.deliver_due(db)


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    run: Callable[[Session], str]
    trigger: Callable[[str], BaseTrigger]  # time zone -> trigger
    lease: timedelta


def _job(name: str, run: Callable[[Session], str], trigger: Callable[[str], BaseTrigger], lease: timedelta) -> Job:
    return Job(name, job_runs.JOBS[name][0], run, trigger, lease)


def _daily_at(hour: int, minute: int) -> Callable[[str], BaseTrigger]:
    return lambda tz: CronTrigger(hour=hour, minute=minute, timezone=tz)


def _every(*, seconds: int) -> Callable[[str], BaseTrigger]:
    return lambda tz: IntervalTrigger(seconds=seconds, timezone=tz)


JOBS: tuple[Job, ...] = (
    _job("mail", _mail, _every(seconds=20), timedelta(minutes=5)),
    # Often: a verification code is awaited on the Notifications page.
    _job("texts", notify_jobs.deliver_texts, _every(seconds=15), timedelta(minutes=5)),
    _job("billing", _billing, _daily_at(5, 0), timedelta(hours=2)),
    _job("promises", _promises, _daily_at(6, 0), timedelta(hours=1)),
    # Before the day starts for most: a hold starting today pauses the service, one over yesterday restores it.
    _job("holds", _holds, _daily_at(6, 10), timedelta(hours=1)),
    _job("autopay", _autopay, _daily_at(7, 0), timedelta(hours=2)),
    # After AutoPay, at an hour people read mail; apart from it so a gateway outage never holds reminders back.
    _job("expiry_reminders", _expiry_reminders, _daily_at(9, 0), timedelta(hours=1)),
    _job("bill_reminders", _bill_reminders, _daily_at(10, 0), timedelta(hours=1)),
    _job("settle_ach", _settle, lambda tz: CronTrigger(minute="*/15", timezone=tz), timedelta(minutes=30)),
    _job("cleanup", _cleanup, _daily_at(3, 30), timedelta(hours=1)),
    _job("webhooks", _webhooks, _every(seconds=30), timedelta(minutes=10)),
)
BY_NAME = {job.name: job for job in JOBS}


def _next_time(job: Job, tz: str) -> datetime | None:
    return job.trigger(tz).get_next_fire_time(None, utcnow())


def run_job(name: str, *, holder: str | None = None) -> str:
    """Claim, run and record one job; returns what happened in words ('' when it is not due or another
    worker has it)."""
    job = BY_NAME[name]
    holder = holder or f"{socket.gethostname()}:{os.getpid()}"
    tz = current_theme().timezone
    with session_scope() as db:
        if not job_runs.claim(db, name=name, holder=holder, lease=job.lease):
            return ""
    ok, summary = True, ""
    try:
        with session_scope() as db:
            summary = job.run(db)
    except Exception as problem:  # noqa: BLE001 - recorded, retried and reported; the worker goes on
        log.exception("Job %s failed", name)
        ok, summary = False, f"{type(problem).__name__}: {problem}"
    with session_scope() as db:
        state = job_runs.finish(db, name=name, holder=holder, ok=ok, summary=summary, next_scheduled=_next_time(job, tz))
        if not ok and state.failures_in_row == job_runs.MAX_RETRIES + 1:
            _report_giving_up(db, job, summary)
    log.info("Job %s %s: %s", name, "ok" if ok else "FAILED", summary.splitlines()[0] if summary else "")
    return summary if ok else f"failed: {summary}"


def _report_giving_up(db: Session, job: Job, summary: str) -> None:
    log.error("Job %s failed %s times in a row; waiting for its next scheduled time", job.name, job_runs.MAX_RETRIES + 1)
    admins = db.exec(select(StaffUser).where(StaffUser.role == "admin", col(StaffUser.disabled).is_(False))).all()
    for admin in admins:
        enqueue_mail(db, to=admin.email, subject=f"{current_theme().provider_name}: the {job.title} job keeps failing",
                     body=f"The job '{job.title}' failed {job_runs.MAX_RETRIES + 1} times in a row and now waits for "
                          f"its next scheduled time.\n\nLast error: {summary}\n\nSee Jobs in the staff portal.\n")


def _retry_due() -> None:
    """Every minute: run any job whose retry time has come (claim() decides whether it is due)."""
    with session_scope() as db:
        failed = list(db.exec(select(JobState.name).where(JobState.last_outcome == "failed")))
    for name in failed:
        if name in BY_NAME:
            run_job(name)


def serve() -> None:
    """Run until stopped (Ctrl-C / SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    tz = current_theme().timezone
    with session_scope() as db:
        for job in JOBS:
            job_runs.set_next(db, name=job.name, next_scheduled=_next_time(job, tz))
    scheduler = BlockingScheduler(timezone=tz)
    for job in JOBS:
        scheduler.add_job(run_job, job.trigger(tz), args=[job.name], id=job.name, name=job.title,
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
    scheduler.add_job(_retry_due, IntervalTrigger(minutes=1, timezone=tz), id="retries", max_instances=1, coalesce=True)
    log.info("Worker started (time zone %s): %s", tz, ", ".join(job.title for job in JOBS))
    scheduler.start()
