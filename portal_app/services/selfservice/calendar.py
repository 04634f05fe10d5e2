"""The account's calendar: bill due dates, promises to pay, AutoPay runs, appointments, ticket updates, order
milestones."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from portal_app.models import (
    Appointment, Contract, Invoice, PaymentPromise, RecurringPayment, ServiceHold, Ticket, TicketNote, Workflow,
    WorkflowTask,
)
from portal_app.services.core.access import access_account
from portal_app.services.core import formatting
from portal_app.services.core.i18n import N_, Text, _
from portal_app.services.core.principal import Principal
from portal_app.services.selfservice.scheduling import local_day, when_label, window_label

# kind -> label shown on the FILTER; the default set leaves out ticket chatter.
KINDS = {
    "bill": N_("Bill due dates"),
    "promise": N_("Promises to pay"),
    "hold": N_("Vacation holds"),
    "autopay": N_("AutoPay"),
    "appointment": N_("Appointments"),
    "ticket": N_("Ticket updates"),
    "order": N_("Orders and contracts"),
}
DEFAULT_KINDS = ("bill", "promise", "hold", "autopay", "appointment", "order")
# Where each kind of item links to. Billing pages live on another branch; home shows the balance.
LINKS = {
    "bill": ("/invoices", N_("See your invoices")),
    "promise": ("/pay", N_("Make a payment")),
    "hold": ("/services/hold", N_("Open Vacation hold")),
    "autopay": ("/autopay", N_("Open AutoPay")),
    "appointment": ("/scheduling", N_("Open Scheduling")),
    "ticket": ("/tickets", N_("Open the ticket")),
    "order": ("/orders", N_("Open Order Tracking")),
}
PAST_DAYS = 90
FUTURE_DAYS = 180


def _noted(text: str, note: str) -> str:
    """A title with its state in brackets ("Bill due: … (paid)"), each part translated where it is read."""
    return _("%(text)s (%(note)s)", text=text, note=note) if note else text


def _item(kind: str, uid: int, day: dt.date, title: str, detail: str, *, link: str | None = None,
          time: str = "", starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None) -> dict:
    href, label = LINKS[kind]
    return {"key": f"{kind}-{uid}", "kind": kind, "uid": uid, "day": day, "time": time, "title": title,
            "detail": detail, "link": link or href, "link_label": label, "starts_at": starts_at, "ends_at": ends_at}


def account_events(db: Session, *, principal: Principal, today: dt.date, kinds: tuple[str, ...] | list[str] = DEFAULT_KINDS
                   ) -> list[dict]:
    """Items from PAST_DAYS ago to FUTURE_DAYS ahead, oldest first, of the chosen kinds only."""
    account = access_account(db, principal)
    fmt = formatting.for_principal(db, principal)  # dates and amounts as the subscriber reads them
    chosen = {k for k in kinds if k in KINDS}
    first, last = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)
    items: list[dict] = []
    invoices = list(db.exec(select(Invoice).where(Invoice.account_id == account.id, Invoice.status != "void",
                                                  Invoice.due_on >= first, Invoice.due_on <= last)))
    if "bill" in chosen:
        for invoice in invoices:
            paid = invoice.status == "paid"
            amount = fmt.money(invoice.total_cents)
            items.append(_item("bill", invoice.id, invoice.due_on,
                               _("Bill paid: %(amount)s", amount=amount) if paid else _("Bill due: %(amount)s", amount=amount),
                               _noted(_("Invoice %(number)s, due %(date)s", number=invoice.number,
                                        date=fmt.date(invoice.due_on)), N_("paid") if paid else "")))
    if "promise" in chosen:
        notes: dict[str, Text | str] = {"active": "", "kept": N_("kept"), "lapsed": N_("lapsed"),
                                        "cancelled": N_("cancelled")}
        for promise in db.exec(select(PaymentPromise).where(PaymentPromise.account_id == account.id,
                                                            PaymentPromise.promised_on >= first,
                                                            PaymentPromise.promised_on <= last)):
            items.append(_item("promise", promise.id, promise.promised_on,
                               _noted(_("Promise to pay: %(amount)s", amount=fmt.money(promise.amount_cents)),
                                      notes.get(promise.status, "")),
                               _("You promised to pay by %(date)s.", date=fmt.date(promise.promised_on))))
    if "hold" in chosen:
        words: dict[str, Text | str] = {"requested": N_("waiting for approval"), "approved": "", "active": "",
                                        "ended": ""}
        for hold in db.exec(select(ServiceHold).where(ServiceHold.account_id == account.id,
                                                      col(ServiceHold.status).in_(tuple(words)),
                                                      ServiceHold.ends_on >= first, ServiceHold.starts_on <= last)):
            back_on = hold.ends_on + dt.timedelta(days=1)
            items.append(_item("hold", 2 * hold.id, hold.starts_on, _noted(_("Vacation hold starts"), words[hold.status]),
                               _("Your service pauses %(dates)s, billed at %(price)s/month.",
                                 dates=fmt.date_range(hold.starts_on, hold.ends_on),
                                 price=fmt.money(hold.monthly_price_cents))))
            items.append(_item("hold", 2 * hold.id + 1, back_on,
                               _noted(_("Service back on after your hold"), words[hold.status]),
                               _("Your vacation hold ends %(end)s; the service comes back on %(back)s.",
                                 end=fmt.date(hold.ends_on, 'MMMd'), back=fmt.date(back_on))))
    if "autopay" in chosen:
        autopay = db.exec(select(RecurringPayment).where(RecurringPayment.account_id == account.id,
                                                         col(RecurringPayment.cancelled_at).is_(None))).first()
        if autopay:
            for invoice in invoices:
                if invoice.status == "open" and invoice.due_on >= today:
                    items.append(_item("autopay", invoice.id, invoice.due_on, _("AutoPay runs"),
                                       _("AutoPay pays invoice %(number)s on its due date.", number=invoice.number)))
    if "appointment" in chosen:
        for appointment in db.exec(select(Appointment).where(Appointment.account_id == account.id,
                                                             col(Appointment.starts_at).is_not(None))):
            day = local_day(appointment.starts_at)
            if not first <= day <= last:
                continue
            cancelled = appointment.status == "cancelled"
            items.append(_item("appointment", appointment.id, day,
                               _noted(appointment.title, N_("cancelled") if cancelled else ""),
                               when_label(appointment.starts_at, appointment.ends_at, fmt),
                               time=window_label(appointment.starts_at, appointment.ends_at, fmt),
                               starts_at=appointment.starts_at, ends_at=appointment.ends_at))
    if "ticket" in chosen:
        tickets = {t.id: t for t in db.exec(select(Ticket).where(Ticket.account_id == account.id))}
        if tickets:
            notes = db.exec(select(TicketNote).where(col(TicketNote.ticket_id).in_(list(tickets)),
                                                     col(TicketNote.is_public).is_(True)))
            for note in notes:
                day = local_day(note.created_at)
                ticket = tickets[note.ticket_id]
                if first <= day <= last:
                    opened = note.created_at == ticket.opened_at
                    items.append(_item("ticket", note.id, day,
                                       _("Ticket %(number)s opened", number=ticket.number) if opened
                                       else _("Ticket %(number)s updated", number=ticket.number),
                                       _("%(subject)s · note by %(author)s", subject=ticket.subject,
                                         author=note.author_name),
                                       link=f"/ticket?id={ticket.id}"))
    if "order" in chosen:
        workflows = {w.id: w for w in db.exec(select(Workflow).where(Workflow.account_id == account.id))}
        for workflow in workflows.values():
            day = local_day(workflow.created_at)
            if first <= day <= last:
                items.append(_item("order", workflow.id, day, _("Order placed: %(title)s", title=workflow.title),
                                   _("We started work on your order.")))
        if workflows:
            tasks = db.exec(select(WorkflowTask).where(col(WorkflowTask.workflow_id).in_(list(workflows)),
                                                       col(WorkflowTask.trackable).is_(True),
                                                       col(WorkflowTask.completed_at).is_not(None)))
            for task in tasks:
                day = local_day(task.completed_at)
                if first <= day <= last:
                    # A step named by the portal itself is in the catalog (Text: translated where it is read).
                    items.append(_item("order", 100_000 + task.id, day, _("%(step)s ✓", step=Text(task.portal_name)),
                                       Text(task.portal_description or workflows[task.workflow_id].title)))
        for contract in db.exec(select(Contract).where(Contract.account_id == account.id)):
            signed = contract.signed_at is not None
            day = local_day(contract.signed_at if signed else contract.created_at)
            if first <= day <= last:
                items.append(_item("order", 200_000 + contract.id, day,
                                   _("Contract signed: %(title)s", title=contract.title) if signed
                                   else _("Contract sent: %(title)s", title=contract.title),
                                   _("Signed in the portal.") if signed else _("Waiting for your signature."),
                                   link=f"/contract?id={contract.id}"))
    items.sort(key=lambda i: (i["day"], i["time"], i["key"]))
    return items


def find_event(db: Session, *, principal: Principal, today: dt.date, key: str) -> dict | None:
    """One item by its key, looked up among this account's items only."""
    return next((i for i in account_events(db, principal=principal, today=today, kinds=tuple(KINDS)) if i["key"] == key),
                None)
