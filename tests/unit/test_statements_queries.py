"""The Payments page reads a page of payments in a fixed number of queries, however many rows
it shows (no query per row for what each paid or what was taken back)."""

from __future__ import annotations

from factories import count_queries, make_invoice, make_payment, make_subscriber
from sqlmodel import Session

from portal_app.models import PaymentAdjustment, PaymentAllocation
from portal_app.services.billing import statements


def _payments(db: Session, sub, n: int) -> None:
    for i in range(n):
        invoice = make_invoice(db, sub.account, 1000 + i)
        payment = make_payment(db, sub.account, 1000 + i)
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=1000 + i))
        if i % 2:
            db.add(PaymentAdjustment(account_id=sub.account.id, payment_id=payment.id, kind="refund", status="applied",
                                     amount_cents=100, reason="Goodwill", idempotency_key=f"r{sub.account.id}-{i}"))
    db.commit()


def test_a_full_page_of_payments_costs_the_same_queries_as_two_rows(db: Session) -> None:
    few, many = make_subscriber(db), make_subscriber(db)
    _payments(db, few, 2)
    _payments(db, many, statements.PAGE_SIZE)
    queries_few = count_queries(db, lambda: statements.list_payments(db, principal=few.principal))
    queries_many = count_queries(db, lambda: statements.list_payments(db, principal=many.principal))
    page_many = statements.list_payments(db, principal=many.principal)
    assert len(page_many.rows) == statements.PAGE_SIZE and queries_many == queries_few
    refunded = [p for p, applied in page_many.rows if p.id in page_many.notes]
    assert len(refunded) == statements.PAGE_SIZE // 2 and all(page_many.notes[p.id].startswith("Refunded") for p in refunded)
    assert all(len(applied) == 1 and applied[0][1] == p.amount_cents for p, applied in page_many.rows)
