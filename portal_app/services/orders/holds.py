"""Vacation holds: a subscriber asks to pause the service between two dates, staff approve or decline.

The provider decides whether holds are offered and how (`ProviderSettings`): `hold_allowed`, a hold of
`hold_min_days`..`hold_max_days` days, starting from tomorrow up to `hold_max_ahead_days` ahead, at
`hold_price_cents` a month while on hold (0: free), at most `hold_per_year` a year (0: no limit). One
hold at a time. A request is an order: a `vacation_hold` workflow with Order Tracking steps (received,
approved, service paused, service back on) and calendar entries for its first and last day.

Staff approve or decline it (the staff Orders page); the subscriber can cancel a request still waiting,
staff a hold not started yet; either can end a hold in force early (`end_early`: the service is back on
that day, and hold days an invoice already billed at the hold price are charged back on the next bill).
The daily job (`holds_run`) starts approved holds on their first day (the service suspended at the
subscriber's request, `service.held` to the provider's network) and ends them after their last (back to
active, `service.restored`). Billing charges the hold days at the hold price
instead of the package price (services/billing/invoicing.py). Everything writes the account history
and tells the subscriber through the notification service.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.services.core import formatting
from portal_app.models import Account, ServiceHold, Workflow, WorkflowTask, utcnow
from portal_app.services.billing import invoicing, service_status
from portal_app.services.core import history
from portal_app.services.core.access import FULL, require_role, AGENT, access_account, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.i18n import _, N_
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send
from portal_app.services.orders import workflows

KIND = "vacation_hold"
OPEN = ("requested", "approved", "active")
STATUS_WORDS = {"requested": N_("Waiting for approval"), "approved": N_("Approved"), "active": N_("On hold now"),
                "ended": N_("Over"), "declined": N_("Declined"), "cancelled": N_("Cancelled")}
RECEIVED, APPROVE, START, END = "Request received", "Approve hold", "Hold starts", "Hold ends"
SYSTEM = Principal.system("Vacation hold")
log = logging.getLogger("portal.jobs")


def _money(cents: int) -> str:
    return formatting.money(cents)


def span(starts_on: dt.date, ends_on: dt.date) -> str:
    return formatting.date_range(starts_on, ends_on)


@dataclass(frozen=True)
class HoldOffer:
    """Whether this account may ask for a hold now, within which dates, at what price, and why not."""

    allowed: bool
    reason: str = ""  # why not, for the subscriber ("" when allowed)
    earliest: dt.date | None = None  # first possible start
    latest_start: dt.date | None = None
    min_days: int = 0
    max_days: int = 0
    price_cents: int = 0


def open_hold(db: Session, account_id: int) -> ServiceHold | None:
    return db.exec(select(ServiceHold).where(ServiceHold.account_id == account_id,
                                             col(ServiceHold.status).in_(OPEN))
                   .order_by(col(ServiceHold.id).desc())).first()


def offer(db: Session, account: Account, *, today: dt.date) -> HoldOffer:
    settings = provider_settings(db)
    if not settings.hold_allowed:
        return HoldOffer(False, _("Vacation holds are not offered online. Please call us."))
    if account.service_status != "active":
        return HoldOffer(False, _("A vacation hold needs your service to be active."))
    if open_hold(db, account.id) is not None:
        return HoldOffer(False, _("You already have a vacation hold. Cancel it first to ask for other dates."))
    if settings.hold_per_year > 0:
        made = db.exec(select(func.count()).select_from(ServiceHold).where(
            ServiceHold.account_id == account.id, ServiceHold.created_at >= utcnow() - dt.timedelta(days=365),
            col(ServiceHold.status).not_in(("declined", "cancelled")))).one()
        if made >= settings.hold_per_year:
            return HoldOffer(False, f"You have used the {settings.hold_per_year} vacation holds a year we offer.")
    low = max(1, settings.hold_min_days)
    return HoldOffer(True, earliest=today + dt.timedelta(days=1),
                     latest_start=today + dt.timedelta(days=max(1, settings.hold_max_ahead_days)),
                     min_days=low, max_days=max(low, settings.hold_max_days),
                     price_cents=max(0, settings.hold_price_cents))


def _day(raw: str | dt.date, field: str, words: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise FieldErrors({field: words}) from None


def _checked(chosen: HoldOffer, raw_start: str | dt.date, raw_end: str | dt.date) -> tuple[dt.date, dt.date]:
    start = _day(raw_start, "starts_on", _("Pick the first day of your hold."))
    end = _day(raw_end, "ends_on", _("Pick the last day of your hold."))
    if not chosen.earliest <= start <= chosen.latest_start:
        raise FieldErrors({"starts_on": _("Pick a first day from %(first)s to %(last)s.",
                                          first=formatting.date(chosen.earliest, 'MMMd'),
                                          last=formatting.date(chosen.latest_start))})
    days = (end - start).days + 1
    if not chosen.min_days <= days <= chosen.max_days:
        raise FieldErrors({"ends_on": _("A hold lasts %(low)s to %(high)s days (these dates make %(days)s).",
                                        low=chosen.min_days, high=chosen.max_days, days=max(days, 0))})
    return start, end


@dataclass(frozen=True)
class HoldQuote:
    """What a hold costs: the dates, the price while on hold, and the bill that first carries it."""

    starts_on: dt.date
    ends_on: dt.date
    days: int
    price_cents: int
    bill: invoicing.NextBill


def quote_hold(db: Session, *, principal: Principal, starts_on: str | dt.date, ends_on: str | dt.date,
               today: dt.date) -> HoldQuote:
    """Check the dates and show the bill with the hold, as billing will issue it once staff approve."""
    account = access_account(db, principal)
    chosen = offer(db, account, today=today)
    if not chosen.allowed:
        raise PortalError(chosen.reason)
    start, end = _checked(chosen, starts_on, ends_on)
    days = invoicing.HoldDays(starts_on=start, ends_on=end, monthly_price_cents=chosen.price_cents)
    bill = invoicing.next_bill(db, account_id=account.id, today=today, hold=days)
    return HoldQuote(starts_on=start, ends_on=end, days=(end - start).days + 1, price_cents=chosen.price_cents,
                     bill=bill)


def open_order(db: Session, *, principal: Principal, account: Account, hold: ServiceHold) -> Workflow:
    """The hold's order: its steps in Order Tracking (received, approved, paused, back on)."""
    back_on = hold.ends_on + dt.timedelta(days=1)
    workflow = workflows.create_workflow(db, principal=principal, account=account, kind=KIND,
                                         title=f"Vacation hold {span(hold.starts_on, hold.ends_on)}", steps=[
        (RECEIVED, N_("Request received"), f"We have your request to pause your service from "
                                       f"{formatting.date(hold.starts_on, 'MMMd')} to {formatting.date(hold.ends_on, 'MMMd')}."),
        (APPROVE, N_("Approved"), N_("We check the dates and approve your hold.")),
        (START, N_("Service paused"), f"Your service pauses on {formatting.date(hold.starts_on)}, billed at "
                                  f"{_money(hold.monthly_price_cents)}/month while on hold."),
        (END, N_("Service back on"), f"Your service comes back on by itself on {formatting.date(back_on)}."),
    ])
    hold.workflow_id = workflow.id
    db.add(hold)
    return workflow


def _tell(db: Session, hold: ServiceHold, stage: str, *, reason: str = "", user_id: int | None = None) -> None:
    send(db, account_id=hold.account_id, event="service_status", template="hold", key=f"hold:{hold.id}:{stage}",
         user_id=user_id, context={"stage": stage, "starts_on": hold.starts_on, "ends_on": hold.ends_on,
                                   "back_on": hold.ends_on + dt.timedelta(days=1), "reason": reason,
                                   "price_cents": hold.monthly_price_cents})


def request_hold(db: Session, *, principal: Principal, starts_on: str | dt.date, ends_on: str | dt.date,
                 today: dt.date) -> ServiceHold:
    """The subscriber asks for a hold: an order for staff to approve. The caller commits."""
    require_role(principal, FULL)
    if principal.kind != "subscriber":
        raise NotFound("account")
    quote = quote_hold(db, principal=principal, starts_on=starts_on, ends_on=ends_on, today=today)
    account = access_account(db, principal)
    hold = ServiceHold(account_id=account.id, starts_on=quote.starts_on, ends_on=quote.ends_on,
                       monthly_price_cents=quote.price_cents, requested_by=principal.display_name[:120])
    db.add(hold)
    db.flush()
    open_order(db, principal=principal, account=account, hold=hold)
    history.record(db, principal=principal, account_id=account.id, kind="service", action="hold_requested",
                   summary=(f"Vacation hold requested: {span(quote.starts_on, quote.ends_on)} ({quote.days} days at "
                            f"{_money(quote.price_cents)}/month)"), entity_type="service_hold", entity_id=hold.id)
    _tell(db, hold, "requested", user_id=principal.user_id)
    return hold


def _task(db: Session, hold: ServiceHold, name: str) -> WorkflowTask | None:
    if hold.workflow_id is None:
        return None
    return db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == hold.workflow_id,
                                              WorkflowTask.name == name)).first()


def complete_step(db: Session, hold: ServiceHold, name: str) -> None:
    task = _task(db, hold, name)
    if task is not None and not workflows.finished(task):
        task.status, task.completed_at, task.run_count = "completed", utcnow(), max(task.run_count, 1)
        db.add(task)


def _close(db: Session, hold: ServiceHold, principal: Principal) -> None:
    """Skip what is left of the hold's order and close it (declined, cancelled or over)."""
    if hold.workflow_id is None:
        return
    for task in db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == hold.workflow_id)):
        if not workflows.finished(task):
            task.status = "skipped"
            db.add(task)
    workflow = db.get(Workflow, hold.workflow_id)
    if workflow is not None and workflow.status == "open":
        workflows.close_if_done(db, principal=principal, account_id=hold.account_id, workflow=workflow)


def my_holds(db: Session, *, principal: Principal) -> list[ServiceHold]:
    """The account's holds still to come or in force, then the last few over, newest first."""
    account = access_account(db, principal)
    return list(db.exec(select(ServiceHold).where(ServiceHold.account_id == account.id)
                        .order_by(col(ServiceHold.id).desc()).limit(5)))


def cancel_request(db: Session, *, principal: Principal, hold_id: int) -> ServiceHold:
    """The subscriber withdraws a request staff have not answered yet."""
    require_role(principal, FULL)
    account = access_account(db, principal)
    hold = db.exec(select(ServiceHold).where(ServiceHold.id == hold_id, ServiceHold.account_id == account.id)).first()
    if hold is None:
        raise NotFound(N_("hold"))
    if hold.status != "requested":
        raise PortalError(_("This hold is already approved or over; please call us to change it."))
    hold.status, hold.decided_at, hold.decided_by = "cancelled", utcnow(), principal.display_name[:120]
    db.add(hold)
    history.record(db, principal=principal, account_id=account.id, kind="service", action="hold_cancelled",
                   summary=f"Vacation hold request {span(hold.starts_on, hold.ends_on)} cancelled by the subscriber",
                   entity_type="service_hold", entity_id=hold.id)
    _close(db, hold, principal)
    _tell(db, hold, "cancelled", user_id=principal.user_id)
    return hold


def charges_back(hold: ServiceHold) -> bool:
    """An invoice billed days of this hold past its (new) last day: the next bill charges them back."""
    return hold.invoiced_through is not None and hold.invoiced_through > hold.ends_on


def _end_early(db: Session, hold: ServiceHold, principal: Principal, *, today: dt.date, by: str) -> ServiceHold:
    """End a hold in force before its last day: the service is back on `today` and the hold's days run through
    yesterday (at least its first day: it paused the service that morning). Hold days an invoice already billed
    at the hold price (`invoiced_through` past the new last day) are charged back on the next bill."""
    if hold.status != "active" or hold.ends_on < today:
        raise PortalError(_("Only a hold in force can be ended early."))
    planned = span(hold.starts_on, hold.ends_on)
    hold.ends_on = max(hold.starts_on, today - dt.timedelta(days=1))
    charged_back = charges_back(hold)
    history.record(db, principal=principal, account_id=hold.account_id, kind="service", action="hold_ended_early",
                   summary=(f"Vacation hold {planned} ended early by {by}: service back on {formatting.date(today)}"
                            + ("; the hold days already billed are charged back on the next bill" if charged_back else "")),
                   entity_type="service_hold", entity_id=hold.id)
    _end(db, hold)
    return hold


def end_early(db: Session, *, principal: Principal, hold_id: int, today: dt.date) -> ServiceHold:
    """The subscriber is back before the hold's last day: the service comes back on today."""
    require_role(principal, FULL)
    account = access_account(db, principal)
    hold = db.exec(select(ServiceHold).where(ServiceHold.id == hold_id, ServiceHold.account_id == account.id)).first()
    if hold is None:
        raise NotFound(N_("hold"))
    return _end_early(db, hold, principal, today=today, by="the subscriber")


# --- staff -------------------------------------------------------------------------------------


def staff_holds(db: Session, *, principal: Principal, account_id: int) -> dict[int, ServiceHold]:
    """The account's holds by their order (workflow id), for the staff Orders page."""
    require_staff(principal, role=AGENT, what="order")
    return {h.workflow_id: h for h in db.exec(select(ServiceHold).where(ServiceHold.account_id == account_id,
                                                                        col(ServiceHold.workflow_id).is_not(None)))}


def _staff_hold(db: Session, principal: Principal, account_id: int, hold_id: int) -> ServiceHold:
    require_staff(principal, role=AGENT, what="order")
    hold = db.exec(select(ServiceHold).where(ServiceHold.id == hold_id, ServiceHold.account_id == account_id)).first()
    if hold is None:
        raise NotFound(N_("hold"))
    return hold


def decide(db: Session, *, principal: Principal, account_id: int, hold_id: int, approve: bool,
           reason: str = "", today: dt.date) -> ServiceHold:
    """Staff approve or decline a waiting request. An approved hold whose first day has come starts now."""
    hold = _staff_hold(db, principal, account_id, hold_id)
    if hold.status != "requested":
        raise PortalError("This hold request is already answered.")
    reason = " ".join(str(reason).split())[:200]
    hold.status = "approved" if approve else "declined"
    hold.decided_at, hold.decided_by = utcnow(), principal.display_name[:120]
    db.add(hold)
    words = "approved" if approve else "declined"
    history.record(db, principal=principal, account_id=account_id, kind="service", action=f"hold_{words}",
                   summary=f"Vacation hold {span(hold.starts_on, hold.ends_on)} {words}" + (f": {reason}" if reason else ""),
                   entity_type="service_hold", entity_id=hold.id)
    if approve:
        complete_step(db, hold, APPROVE)
        _tell(db, hold, "approved")
        if hold.starts_on <= today:
            _start(db, hold, today)
    else:
        _close(db, hold, principal)
        _tell(db, hold, "declined", reason=reason)
    return hold


def staff_cancel(db: Session, *, principal: Principal, account_id: int, hold_id: int) -> ServiceHold:
    """Staff cancel a hold that has not started (waiting or approved)."""
    hold = _staff_hold(db, principal, account_id, hold_id)
    if hold.status not in ("requested", "approved"):
        raise PortalError(_("Only a hold that has not started can be cancelled."))
    hold.status, hold.decided_at, hold.decided_by = "cancelled", utcnow(), principal.display_name[:120]
    db.add(hold)
    history.record(db, principal=principal, account_id=account_id, kind="service", action="hold_cancelled",
                   summary=f"Vacation hold {span(hold.starts_on, hold.ends_on)} cancelled by staff",
                   entity_type="service_hold", entity_id=hold.id)
    _close(db, hold, principal)
    _tell(db, hold, "cancelled")
    return hold


def staff_end_early(db: Session, *, principal: Principal, account_id: int, hold_id: int, today: dt.date) -> ServiceHold:
    """Staff end a hold in force early (the subscriber called): the service is back on today."""
    hold = _staff_hold(db, principal, account_id, hold_id)
    return _end_early(db, hold, principal, today=today, by="staff")


# --- the daily job -----------------------------------------------------------------------------


def _start(db: Session, hold: ServiceHold, today: dt.date) -> None:
    hold.status = "active"
    db.add(hold)
    account = db.get(Account, hold.account_id)
    paused = service_status.set_by_hold(db, account=account, on_hold=True, starts_on=hold.starts_on,
                                        ends_on=hold.ends_on)
    if not paused:  # suspended for another reason meanwhile: the hold's billing still applies
        history.record(db, principal=SYSTEM, account_id=hold.account_id, kind="service", action="hold_started",
                       summary=(f"Vacation hold {span(hold.starts_on, hold.ends_on)} started; the service was already "
                                f"{service_status.STATES.get(account.service_status, account.service_status).lower()}"),
                       entity_type="service_hold", entity_id=hold.id)
    complete_step(db, hold, START)
    _tell(db, hold, "started")


def _end(db: Session, hold: ServiceHold) -> None:
    hold.status = "ended"
    db.add(hold)
    account = db.get(Account, hold.account_id)
    service_status.set_by_hold(db, account=account, on_hold=False, starts_on=hold.starts_on, ends_on=hold.ends_on)
    complete_step(db, hold, END)
    _close(db, hold, SYSTEM)
    _tell(db, hold, "ended")


def holds_run(db: Session, *, today: dt.date) -> str:
    """Daily: start approved holds whose first day has come, end holds whose last day has passed. Safe
    to run twice; one account's error never stops the rest."""
    started = ended = failed = 0
    due = db.exec(select(ServiceHold.id).where(
        ((ServiceHold.status == "approved") & (ServiceHold.starts_on <= today))
        | ((ServiceHold.status == "active") & (ServiceHold.ends_on < today))).order_by(col(ServiceHold.id))).all()
    db.commit()
    for hold_id in due:
        try:
            hold = db.get(ServiceHold, hold_id)
            if hold.status == "approved" and hold.starts_on <= today:
                _start(db, hold, today)
                started += 1
            if hold.status == "active" and hold.ends_on < today:
                _end(db, hold)
                ended += 1
            db.commit()
        except Exception:  # noqa: BLE001 - one account's problem never stops the others
            log.exception("Vacation holds: hold %s failed", hold_id)
            db.rollback()
            failed += 1
    return f"{started} started, {ended} ended" + (f", {failed} failed" if failed else "")
