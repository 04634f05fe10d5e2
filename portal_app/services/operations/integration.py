"""The integration API's domain: upserts go through the importer (same validation, ids, history),
reads return what changed since a cursor (the last id the caller saw)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from portal_app.models import Account, AccountHistory, Payment, PortalUser, Ticket, Workflow
from portal_app.services.billing import service_status
from portal_app.services.operations import importer
from portal_app.services.core.principal import Principal

PAGE = 500


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountIn(_In):
    account_id: str = Field(min_length=1, max_length=32)
    kind: Literal["residential", "business"] = "residential"
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    company_name: str = Field("", max_length=160)
    service_street: str = Field("", max_length=200)
    service_city: str = Field("", max_length=100)
    service_state: str = Field("", max_length=40)
    service_zip: str = Field("", max_length=16)
    billing_zip: str = Field("", max_length=16)
    service_area: str = Field("", max_length=120)
    status: Literal["active", "suspended", "closed"] = "active"
    # The connection: suspended, restored or disconnected as the billing system decides (webhooks follow).
    service_status: Literal["active", "suspended_nonpayment", "suspended_request", "disconnected"] | None = None
    service_status_reason: str = Field("", max_length=200)


class ServiceIn(_In):
    account_id: str = Field(min_length=1, max_length=32)
    service_id: str = Field(min_length=1, max_length=32)
    package_code: str = Field("", max_length=32)
    name: str = Field("", max_length=120)
    monthly_price: str = Field("", max_length=16, description="dollars and cents, e.g. 55.00")
    status: Literal["active", "pending", "ended"] = "active"
    started_on: dt.date | None = None


class InvoiceLineIn(_In):
    description: str = Field(min_length=1, max_length=200)
    amount: str = Field(max_length=16, description="dollars and cents; may be negative")


class InvoiceIn(_In):
    account_id: str = Field(min_length=1, max_length=32)
    invoice_number: str = Field(min_length=1, max_length=32)
    issued_on: dt.date
    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    total: str = Field(max_length=16, description="dollars and cents, e.g. 84.50")
    status: Literal["open", "paid", "void"] = "open"
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=200)


class PaymentIn(_In):
    account_id: str = Field(min_length=1, max_length=32)
    payment_id: str = Field(min_length=1, max_length=32)
    paid_on: dt.date
    amount: str = Field(max_length=16)
    method: Literal["card", "ach"] = "card"
    method_label: str = Field("", max_length=60)
    invoice_number: str = Field("", max_length=32)


class Batch(_In):
    accounts: list[AccountIn] = Field(default_factory=list, max_length=1000)
    services: list[ServiceIn] = Field(default_factory=list, max_length=1000)
    invoices: list[InvoiceIn] = Field(default_factory=list, max_length=1000)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=1000)


def _csv(kind: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.HEADERS[kind])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else str(row[k]) for k in importer.HEADERS[kind]})
    return out.getvalue()


def upsert(db: Session, *, principal: Principal, batch: Batch) -> importer.ImportReport:
    """Create or update what the batch names, all or nothing (the caller commits)."""
    files: dict[str, str] = {}
    if batch.accounts:
        files["accounts"] = _csv("accounts", [a.model_dump() for a in batch.accounts])
    if batch.services:
        files["services"] = _csv("services", [s.model_dump() for s in batch.services])
    if batch.invoices:
        files["invoices"] = _csv("invoices", [i.model_dump(exclude={"lines"}) for i in batch.invoices])
        lines = [{"invoice_number": i.invoice_number, "line": n, **line.model_dump()}
                 for i in batch.invoices for n, line in enumerate(i.lines, start=1)]
        if lines:
            files["invoice_lines"] = _csv("invoice_lines", lines)
    if batch.payments:
        files["payments"] = _csv("payments", [p.model_dump() for p in batch.payments])
    report = importer.run_import(db, principal=principal, files=files, apply=True, source=principal.display_name)
    statuses = {a.account_id: a for a in batch.accounts if a.service_status is not None}
    if report.ok and statuses:
        ids = dict(db.exec(select(Account.account_number, Account.id)
                           .where(col(Account.account_number).in_(list(statuses)))).all())
        for number, row in statuses.items():
            service_status.set_service_status(db, principal=principal, account_id=ids[number],
                                              status=row.service_status, reason=row.service_status_reason)
    return report


# --- reads since a cursor ------------------------------------------------------------------------


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


READS = {
    "payments": (Payment, lambda p, n: {"id": p.id, "account_id": n, "receipt_number": p.receipt_number,
                                        "amount_cents": p.amount_cents, "status": p.status, "method": p.method_kind,
                                        "method_label": p.method_label, "source": p.source,
                                        "created_at": _iso(p.created_at), "settled_at": _iso(p.settled_at)}),
    "tickets": (Ticket, lambda t, n: {"id": t.id, "account_id": n, "number": t.number, "category": t.category,
                                      "subject": t.subject, "status": t.status, "opened_at": _iso(t.opened_at)}),
    "orders": (Workflow, lambda w, n: {"id": w.id, "account_id": n, "kind": w.kind, "title": w.title,
                                       "status": w.status, "created_at": _iso(w.created_at)}),
    "portal_users": (PortalUser, lambda u, n: {"id": u.id, "account_id": n, "username": u.username, "email": u.email,
                                               "verified": u.verified_at is not None, "disabled": u.disabled,
                                               "created_at": _iso(u.created_at)}),
    "history": (AccountHistory, lambda h, n: {"id": h.id, "account_id": n, "occurred_at": _iso(h.occurred_at),
                                              "actor_kind": h.actor_kind, "kind": h.kind, "action": h.action,
                                              "summary": h.summary}),
}


def read_since(db: Session, *, what: str, since: int, limit: int = PAGE) -> dict:
    """Rows with an id above `since`, oldest first, at most `limit`; `next` is the cursor for the next call.

    Ids only grow, so a caller that stores `next` sees every row once (created since; rows that
    change in place, such as a ticket's status, are re-read by id from the portal's own pages).
    """
    model, view = READS[what]
    rows = db.exec(select(model, Account.account_number).join(Account, col(Account.id) == model.account_id)
                   .where(col(model.id) > since).order_by(col(model.id)).limit(max(1, min(limit, PAGE)))).all()
    items = [view(row, number) for row, number in rows]
    return {"items": items, "next": items[-1]["id"] if items else since}
