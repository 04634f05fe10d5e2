"""Invoices and payments as the subscriber sees them: paged lists and the facts for their PDFs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from portal_app.integrations.documents import InvoiceDocument, ReceiptDocument
from portal_app.models import Account, Invoice, InvoiceLine, Payment, PaymentAdjustment, PaymentAllocation
from portal_app.services.core.access import access_invoice, access_payment, account_id_of
from portal_app.services.core.errors import NotFound
from portal_app.services.core.i18n import N_, _, joined
from portal_app.services.billing.explain import Explanation, explain_invoices
from portal_app.services.billing.payments import invoice_paid_cents
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal

PAGE_SIZE = 6
PAYMENT_STATUS = {"succeeded": N_("Paid"), "pending": N_("Pending"), "failed": N_("Declined")}
# An invoice's status as its PDF names it (invoice_status), translated for the reader there.
INVOICE_STATUS_WORDS = {"paid": N_("paid"), "void": N_("void"), "past due": N_("past due"), "open": N_("open")}


def invoice_status(invoice: Invoice, today: dt.date) -> str:
    if invoice.status == "paid":
        return "paid"
    if invoice.status == "void":
        return "void"
    return "past due" if invoice.due_on < today else "open"


@dataclass(frozen=True)
class Page:
    rows: list
    page: int
    pages: int
    notes: dict[int, str] = field(default_factory=dict)  # payment id -> what was taken back ("Refunded" and the amount)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


# A page of the account's invoices, newest first, with how many there are in all: one statement, built once
# (a pager tap runs it; its rows are plain columns, no ORM objects to build).
_INVOICE_PAGE = (select(Invoice.id, Invoice.number, Invoice.issued_on, Invoice.due_on, Invoice.total_cents,
                        Invoice.status, func.count().over().label("total"))
                 .where(Invoice.account_id == bindparam("account_id"))
                 .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
                 .limit(bindparam("limit")).offset(bindparam("offset")))


def list_invoices(db: Session, *, principal: Principal, today: dt.date, page: int = 1) -> Page:
    """A page of the account's invoices, newest first, with their statuses (one statement). Each bill's
    "Why is my bill different?" is read when it is opened (`explain_invoice`), not with every page."""
    account_id = account_id_of(principal)
    page = max(1, page)
    rows = db.connection().execute(_INVOICE_PAGE, {"account_id": account_id, "limit": PAGE_SIZE,
                                                   "offset": (page - 1) * PAGE_SIZE}).all()
    if not rows and page > 1:  # past the last page (an old link): the last page
        total = db.exec(select(func.count()).select_from(Invoice).where(Invoice.account_id == account_id)).one()
        return list_invoices(db, principal=principal, today=today, page=_pages(total))
    pages = _pages(rows[0].total if rows else 0)
    return Page(rows=[(inv, invoice_status(inv, today)) for inv in rows], page=page, pages=pages)


def explain_invoice(db: Session, *, principal: Principal, invoice_id: int,
                    fmt: formatting.Formatter | None = None) -> Explanation | None:
    """"Why is my bill different?" for one of the signed-in account's invoices (None for a void one);
    not-found for an invoice that is not theirs."""
    invoice = access_invoice(db, principal, invoice_id)
    return explain_invoices(db, account_id=invoice.account_id, invoice_ids=[invoice.id], fmt=fmt).get(invoice.id)


def list_payments(db: Session, *, principal: Principal, page: int = 1) -> Page:
    """Payments applied or on their way (declined attempts are not payments), newest first."""
    where = (Payment.account_id == account_id_of(principal), col(Payment.status).in_(["succeeded", "pending"]))
    total = db.exec(select(func.count()).select_from(Payment).where(*where)).one()
    pages = _pages(total)
    page = min(max(1, page), pages)
    rows = db.exec(select(Payment).where(*where).order_by(col(Payment.created_at).desc(), col(Payment.id).desc())
                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    ids = [p.id for p in rows]
    applied, taken = applied_to_each(db, ids), taken_back_each(db, ids)  # two queries for the page, not two a row
    notes = {pid: joined([_("%(what)s %(amount)s", what=label, amount=formatting.money(cents)) for label, cents in parts],
                         "; ")
             for pid, parts in taken.items() if parts}
    return Page(rows=[(p, applied.get(p.id, [])) for p in rows], page=page, pages=pages, notes=notes)


def applied_to_each(db: Session, payment_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """What each payment paid, per invoice (oldest due first), net of allocations reversed by
    refunds, disputes and returns."""
    applied: dict[int, list[tuple[str, int]]] = {}
    if not payment_ids:
        return applied
    for payment_id, number, cents in db.exec(
        select(PaymentAllocation.payment_id, Invoice.number, func.sum(PaymentAllocation.amount_cents))
        .join(Invoice, col(Invoice.id) == PaymentAllocation.invoice_id)
        .where(col(PaymentAllocation.payment_id).in_(payment_ids))
        .group_by(PaymentAllocation.payment_id, Invoice.number, Invoice.due_on)
        .order_by(col(PaymentAllocation.payment_id), col(Invoice.due_on), col(Invoice.number))
    ).all():
        if cents > 0:
            applied.setdefault(payment_id, []).append((number, int(cents)))
    return applied


def applied_to(db: Session, payment_id: int) -> list[tuple[str, int]]:
    return applied_to_each(db, [payment_id]).get(payment_id, [])


ADJUSTMENT_WORDS = {"refund": N_("Refunded"), "dispute": N_("Disputed"), "return": N_("Returned by the bank")}


def taken_back_each(db: Session, payment_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Refunds (pending ones say so), open or lost disputes and bank returns on each payment."""
    taken: dict[int, list[tuple[str, int]]] = {}
    if not payment_ids:
        return taken
    for a in db.exec(select(PaymentAdjustment).where(col(PaymentAdjustment.payment_id).in_(payment_ids),
                                                     col(PaymentAdjustment.status).in_(("pending", "applied")))
                     .order_by(col(PaymentAdjustment.id))):
        what = ADJUSTMENT_WORDS.get(a.kind, a.kind)
        label = _("%(what)s (pending)", what=what) if a.status == "pending" else what
        taken.setdefault(a.payment_id, []).append((label, a.amount_cents))
    return taken


def taken_back(db: Session, payment_id: int) -> list[tuple[str, int]]:
    return taken_back_each(db, [payment_id]).get(payment_id, [])


def invoice_document(db: Session, *, principal: Principal, invoice_id: int, today: dt.date) -> InvoiceDocument:
    invoice = access_invoice(db, principal, invoice_id)
    return invoice_document_of(db, invoice, db.get(Account, invoice.account_id), today,
                               fmt=formatting.for_principal(db, principal))


def invoice_document_of(db: Session, invoice: Invoice, account: Account, today: dt.date,
                        fmt: formatting.Formatter | None = None) -> InvoiceDocument:
    """What the invoice PDF prints; "Why is my bill different?" in the words of `fmt` (the reader's)."""
    lines = db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                    .order_by(col(InvoiceLine.sort_order), col(InvoiceLine.id))).all()
    explained = explain_invoices(db, account_id=account.id, invoice_ids=[invoice.id], fmt=fmt).get(invoice.id)
    return InvoiceDocument(
        number=invoice.number, account_number=account.account_number, bill_to=account.display_name,
        address_lines=account.service_address_lines, issued_on=invoice.issued_on, due_on=invoice.due_on,
        period=(invoice.period_start, invoice.period_end),
        lines=[(line.description, line.amount_cents) for line in lines] or [(N_("Services"), invoice.total_cents)],
        total_cents=invoice.total_cents, paid_cents=invoice_paid_cents(db, invoice.id),
        status=INVOICE_STATUS_WORDS.get(status := invoice_status(invoice, today), status),
        explained_headline=explained.headline if explained else "",
        changes=[(r.text, r.amount_cents) for r in explained.changes] if explained else [],
        account_lines=[(r.text, r.amount_cents) for r in explained.account] if explained else [],
        locale=fmt.locale if fmt is not None else "",
    )


def receipt_document(db: Session, *, principal: Principal, payment_id: int) -> ReceiptDocument:
    payment = access_payment(db, principal, payment_id)
    if payment.status == "failed":
        raise NotFound("receipt")
    account = db.get(Account, payment.account_id)
    return ReceiptDocument(
        receipt_number=payment.receipt_number, account_number=account.account_number, paid_by=account.display_name,
        paid_at=payment.created_at, method_label=payment.method_label, amount_cents=payment.amount_cents,
        status=PAYMENT_STATUS.get(payment.status, payment.status), applied=applied_to(db, payment.id),
        taken_back=taken_back(db, payment.id),
    )
