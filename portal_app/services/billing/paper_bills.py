"""Paper bills: the bills of accounts that chose paper, waiting for the post until marked printed.

One place for the print run, used by the staff Paper bills page (list, one PDF with all of them or
each, mark printed) and by the `paper-bills` command (a month's PDFs into a folder, optionally
marked printed). Admins only, like the other billing operations pages; the command acts as the system.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.services.core import formatting
from portal_app.integrations.documents import InvoiceDocument
from portal_app.models import Account, Invoice, utcnow
from portal_app.services.billing.statements import invoice_document_of
from portal_app.services.core import history
from portal_app.services.core.access import ADMIN, require_staff
from portal_app.services.core.principal import Principal
from portal_app.services.notify.send import reach_many


@dataclass(frozen=True)
class PaperBill:
    invoice_id: int
    number: str
    account_number: str
    name: str
    issued_on: dt.date
    total_cents: int
    printed_at: dt.datetime | None


def _guard(principal: Principal) -> None:
    if principal.kind != "system":
        require_staff(principal, role=ADMIN, what="page")


def _query(*, period_start: dt.date | None, waiting_only: bool, invoice_ids: list[int] | None):
    query = (select(Invoice, Account).join(Account, col(Account.id) == Invoice.account_id)
             .where(Invoice.delivery == "paper", Invoice.status != "void"))
    if period_start is not None:
        query = query.where(Invoice.period_start == period_start)
    if waiting_only:
        query = query.where(col(Invoice.printed_at).is_(None))
    if invoice_ids is not None:
        query = query.where(col(Invoice.id).in_(invoice_ids))
    # In the order the post office likes them: by ZIP, then by account.
    return query.order_by(col(Account.service_zip), col(Account.account_number), col(Invoice.id))


def paper_bills(db: Session, *, principal: Principal, period_start: dt.date | None = None, waiting_only: bool = True,
                invoice_ids: list[int] | None = None) -> list[PaperBill]:
    """The paper bills (of one month, or all), those not printed yet unless `waiting_only` is off."""
    _guard(principal)
    return [PaperBill(invoice_id=i.id, number=i.number, account_number=a.account_number, name=a.display_name,
                      issued_on=i.issued_on, total_cents=i.total_cents, printed_at=i.printed_at)
            for i, a in db.exec(_query(period_start=period_start, waiting_only=waiting_only, invoice_ids=invoice_ids))]


def paper_bill_documents(db: Session, *, principal: Principal, today: dt.date, period_start: dt.date | None = None,
                         waiting_only: bool = True, invoice_ids: list[int] | None = None) -> list[InvoiceDocument]:
    """The same bills as printable documents (the invoice PDF with its Bill explained), each in the language
    of the account's sign-in (`doc.locale`; the provider's where none is chosen)."""
    _guard(principal)
    rows = list(db.exec(_query(period_start=period_start, waiting_only=waiting_only, invoice_ids=invoice_ids)))
    reach = reach_many(db, sorted({account.id for _, account in rows}))
    return [invoice_document_of(db, invoice, account, today, fmt=formatting.formatter(reach[account.id].language))
            for invoice, account in rows]


def mark_printed(db: Session, *, principal: Principal, invoice_ids: list[int]) -> int:
    """Mark these paper bills printed (those not marked yet); each account's history says so. The caller commits."""
    _guard(principal)
    ids = [int(i) for i in invoice_ids][:5000]
    if not ids:
        return 0
    rows = db.exec(select(Invoice.id, Invoice.account_id, Invoice.number, Invoice.total_cents).where(
        col(Invoice.id).in_(ids), Invoice.delivery == "paper", col(Invoice.printed_at).is_(None))).all()
    if not rows:
        return 0
    now = utcnow()
    db.execute(update(Invoice).where(col(Invoice.id).in_([r[0] for r in rows]), col(Invoice.printed_at).is_(None))
               .values(printed_at=now).execution_options(synchronize_session=False))
    for invoice_id, account_id, number, total in rows:
        history.record(db, principal=principal, account_id=account_id, kind="billing", action="paper_bill_printed",
                       summary=f"Paper bill {number} ({formatting.money(total)}) printed for the post",
                       entity_type="invoice", entity_id=invoice_id)
    return len(rows)
