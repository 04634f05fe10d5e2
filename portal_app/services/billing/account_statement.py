"""An account statement for a date range: opening balance, every bill, payment, credit and refund
in order with the running balance, the closing balance and its aging.

Dates are the provider's: a bill on its issue date, a payment on the day it was made, a refund,
dispute or bank return on the day it was recorded. Bills count in full (credits on a bill are part of
its total and named beside it). Aging is as of the statement's last day: payments and credits go to
the oldest bills first (as the portal applies them), and what is left of each bill is put in a bucket
by the days since it was due: current (not yet due), 1–30, 31–60, 61–90, over 90.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.integrations.documents import StatementDocument
from portal_app.models import Account, Invoice, InvoiceLine, Payment, PaymentAdjustment
from portal_app.services.core import formatting
from portal_app.services.core.access import access_account
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import N_, _
from portal_app.services.core.principal import Principal

MAX_DAYS = 3 * 366 + 1  # three years on one statement
BUCKETS = (N_("Current"), N_("1–30 days"), N_("31–60 days"), N_("61–90 days"), N_("Over 90 days"))
ADJUSTMENTS = {"refund": N_("Refund"), "dispute": N_("Payment disputed"), "return": N_("Payment returned by the bank")}


@dataclass(frozen=True)
class Entry:
    day: dt.date
    order: int  # bills before payments on the same day
    description: str
    amount_cents: int  # adds to what is owed; payments and credits are negative


def parse_range(raw_from: str, raw_to: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The statement's first and last day from the form (YYYY-MM-DD), checked; messages by field."""
    errors: dict[str, str] = {}
    days = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        try:
            days[name] = dt.date.fromisoformat((raw or "").strip())
        except ValueError:
            errors[name] = _("Pick a date.")
    if not errors:
        if days["to"] > today:
            errors["to"] = _("The statement can end today at the latest.")
        elif days["from"] > days["to"]:
            errors["from"] = _("Start on or before the end date.")
        elif (days["to"] - days["from"]).days >= MAX_DAYS:
            errors["from"] = _("One statement covers up to three years.")
    if errors:
        raise FieldErrors(errors)
    return days["from"], days["to"]


def _local(moment: dt.datetime) -> dt.date:
    return formatting.formatter().day_of(moment)


def _entries(db: Session, account_id: int, last_day: dt.date,
             fmt: formatting.Formatter) -> tuple[list[Entry], list[Invoice]]:
    """Each bill, payment and adjustment, in words the statement's reader reads (`fmt`: their locale)."""
    invoices = list(db.exec(select(Invoice).where(Invoice.account_id == account_id, Invoice.status != "void",
                                                  Invoice.issued_on <= last_day)
                            .order_by(col(Invoice.issued_on), col(Invoice.id))))
    credits: dict[int, int] = {}
    for invoice_id, cents in db.exec(select(InvoiceLine.invoice_id, InvoiceLine.amount_cents).where(
            col(InvoiceLine.invoice_id).in_([i.id for i in invoices]), InvoiceLine.amount_cents < 0)):
        credits[invoice_id] = credits.get(invoice_id, 0) + cents
    entries = [Entry(i.issued_on, 0, _("Bill %(number)s, due %(day)s (includes credits of %(credits)s)",
                                       number=i.number, day=fmt.date(i.due_on), credits=fmt.money(-credits[i.id]))
                     if i.id in credits else _("Bill %(number)s, due %(day)s", number=i.number, day=fmt.date(i.due_on)),
                     i.total_cents) for i in invoices]
    for payment in db.exec(select(Payment).where(Payment.account_id == account_id, Payment.status == "succeeded")):
        if _local(payment.created_at) <= last_day:
            entries.append(Entry(_local(payment.created_at), 1,
                                 _("Payment %(receipt)s, thank you (%(method)s)", receipt=payment.receipt_number,
                                   method=payment.method_label), -payment.amount_cents))
    for taken in db.exec(select(PaymentAdjustment).where(PaymentAdjustment.account_id == account_id,
                                                         col(PaymentAdjustment.status).in_(("pending", "applied")))):
        if _local(taken.created_at) <= last_day:
            what = ADJUSTMENTS.get(taken.kind, taken.kind.title())
            entries.append(Entry(_local(taken.created_at), 2,
                                 _("%(what)s: %(reason)s", what=what, reason=taken.reason) if taken.reason else what,
                                 taken.amount_cents))
    entries.sort(key=lambda e: (e.day, e.order))
    return entries, invoices


def aging(invoices: list[Invoice], paid_cents: int, as_of: dt.date) -> list[int]:
    """What is left of each bill once `paid_cents` (payments and credits, net) went to the oldest first,
    by days past due on `as_of`, in the order of BUCKETS."""
    buckets = [0] * len(BUCKETS)
    left = paid_cents - sum(i.total_cents for i in invoices if i.total_cents < 0)  # a bill in credit pays too
    for invoice in sorted((i for i in invoices if i.total_cents > 0), key=lambda i: (i.due_on, i.id)):
        owed = max(0, invoice.total_cents - max(0, left))
        left = max(0, left - invoice.total_cents)
        if owed:
            late = (as_of - invoice.due_on).days
            buckets[0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4] += owed
    return buckets


def account_statement(db: Session, *, principal: Principal, start: dt.date, end: dt.date,
                      today: dt.date) -> StatementDocument:
    account: Account = access_account(db, principal)
    entries, invoices = _entries(db, account.id, end, formatting.for_principal(db, principal))
    opening = sum(e.amount_cents for e in entries if e.day < start)
    rows, balance = [], opening
    for entry in (e for e in entries if e.day >= start):
        balance += entry.amount_cents
        rows.append((entry.day, entry.description, entry.amount_cents, balance))
    paid = -sum(e.amount_cents for e in entries if e.order > 0)  # payments less what was taken back
    return StatementDocument(
        account_number=account.account_number, bill_to=account.display_name,
        address_lines=account.service_address_lines, start=start, end=end, made_on=today,
        opening_cents=opening, rows=rows, closing_cents=balance,
        aging=list(zip(BUCKETS, aging(invoices, paid, end))))
