"""Statements: opening balance, every bill, payment, credit and refund with the running balance,
the closing balance and aging; served only to the signed-in account; the form checks its dates."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import call, make_invoice, make_payment, make_subscriber
from sqlmodel import Session
from test_billing_documents import _session_token, client, pdf_text  # noqa: F401  (client is a fixture)
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.integrations import documents
from portal_app.models import InvoiceLine, PaymentAdjustment
from portal_app.services.billing import account_statement
from portal_app.services.core.errors import FieldErrors
from portal_app.services.identity import auth
from portal_app.services.core.formatting import formatter


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 18, tzinfo=dt.UTC)  # midday in Austin


def _history(db: Session):
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    january = make_invoice(db, me.account, 5000, due_on=dt.date(2026, 1, 21))
    february = make_invoice(db, me.account, 4000, due_on=dt.date(2026, 2, 21))
    db.add(InvoiceLine(invoice_id=february.id, description="Fiber 300", amount_cents=5000, sort_order=1))
    db.add(InvoiceLine(invoice_id=february.id, description="Outage credit", amount_cents=-1000, sort_order=2,
                       kind="credit"))
    march = make_invoice(db, me.account, 6000, due_on=dt.date(2026, 3, 21))
    payment = make_payment(db, me.account, 5000)
    payment.created_at = _at(dt.date(2026, 1, 15))
    db.add(payment)
    db.add(PaymentAdjustment(payment_id=payment.id, account_id=me.account.id, kind="refund", amount_cents=1000,
                             reason="Double charge", idempotency_key="refund-t1", created_at=_at(dt.date(2026, 2, 20))))
    db.commit()
    return me, (january, february, march), payment


def test_statement_rows_balances_and_aging(db: Session) -> None:
    me, (january, february, march), payment = _history(db)
    doc = account_statement.account_statement(db, principal=me.principal, start=dt.date(2026, 2, 1),
                                              end=dt.date(2026, 3, 31), today=dt.date(2026, 4, 2))
    assert doc.opening_cents == 0  # January billed and paid before the statement starts
    assert [(day, cents, after) for day, _, cents, after in doc.rows] == [
        (dt.date(2026, 2, 1), 4000, 4000), (dt.date(2026, 2, 20), 1000, 5000), (dt.date(2026, 3, 1), 6000, 11000)]
    assert doc.rows[0][1] == f"Bill {february.number}, due Feb 21, 2026 (includes credits of $10.00)"
    assert doc.rows[1][1] == "Refund: Double charge"
    assert doc.closing_cents == 11000
    # Payments (less the refund) went to January first: $10.00 of it is left, 69 days late on Mar 31.
    assert doc.aging == [("Current", 0), ("1–30 days", 6000), ("31–60 days", 4000), ("61–90 days", 1000),
                         ("Over 90 days", 0)]
    assert sum(cents for _, cents in doc.aging) == doc.closing_cents
    whole = account_statement.account_statement(db, principal=me.principal, start=dt.date(2026, 1, 1),
                                                end=dt.date(2026, 1, 31), today=dt.date(2026, 4, 2))
    assert (whole.opening_cents, [r[2] for r in whole.rows], whole.closing_cents) == (0, [5000, -5000], 0)
    assert whole.rows[1][1] == f"Payment {payment.receipt_number}, thank you (Visa •••• 4242)"
    assert [cents for _, cents in whole.aging] == [0, 0, 0, 0, 0]
    text = pdf_text(documents.statement_pdf(doc, fmt=formatter()))
    for words in ("Statement Feb 1 – Mar 31, 2026", "Opening balance", "Closing balance", "$110.00",
                  "Refund: Double charge", "Over 90 days", "61–90 days", "Maya Okafor"):
        assert words in text, words


def test_a_credit_balance_reads_as_credit(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 3000, due_on=dt.date(2026, 1, 21))
    payment = make_payment(db, me.account, 5000)
    payment.created_at = _at(dt.date(2026, 1, 10))
    db.add(payment)
    db.commit()
    doc = account_statement.account_statement(db, principal=me.principal, start=dt.date(2026, 1, 1),
                                              end=dt.date(2026, 2, 28), today=dt.date(2026, 3, 1))
    assert doc.closing_cents == -2000 and all(cents == 0 for _, cents in doc.aging)
    assert "$20.00 credit" in pdf_text(documents.statement_pdf(doc, fmt=formatter()))


@pytest.mark.parametrize(("raw_from", "raw_to", "errors"), [
    ("", "2026-03-01", {"from": "Pick a date."}),
    ("2026-02-30", "2026-03-01", {"from": "Pick a date."}),
    ("2026-03-02", "2026-03-01", {"from": "Start on or before the end date."}),
    ("2026-01-01", "2026-04-03", {"to": "The statement can end today at the latest."}),
    ("2020-01-01", "2026-04-01", {"from": "One statement covers up to three years."}),
])
def test_the_dates_are_checked(raw_from: str, raw_to: str, errors: dict) -> None:
    with pytest.raises(FieldErrors) as refused:
        account_statement.parse_range(raw_from, raw_to, today=dt.date(2026, 4, 2))
    assert refused.value.errors == errors
    assert account_statement.parse_range("2026-01-01", "2026-04-02", today=dt.date(2026, 4, 2)) == (
        dt.date(2026, 1, 1), dt.date(2026, 4, 2))


def test_the_statement_route_serves_only_the_signed_in_account(db: Session, client) -> None:  # noqa: F811
    me, (january, _, _), _ = _history(db)
    other = make_subscriber(db)
    theirs = make_invoice(db, other.account, 1234, due_on=dt.date(2026, 2, 21))
    db.commit()
    url = "/documents/statement.pdf?from=2026-01-01&to=2026-03-31"
    assert client.get(url).status_code == 404  # no session
    client.cookies.set(auth.SESSION_COOKIE, _session_token(db, me))
    mine = client.get(url + "&download=1")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/pdf"
    assert "attachment" in mine.headers["content-disposition"] and "no-store" in mine.headers["cache-control"]
    text = pdf_text(mine.content)
    assert january.number in text and theirs.number not in text and "$12.34" not in text
    assert client.get("/documents/statement.pdf?from=2026-04-01&to=2026-01-01").status_code == 404
    assert client.get("/documents/statement.pdf").status_code == 404
    client.cookies.set(auth.SESSION_COOKIE, _session_token(db, other))
    text = pdf_text(client.get(url).content)
    assert theirs.number in text and january.number not in text
    client.cookies.clear()


def test_the_statement_form_checks_the_dates_and_offers_the_link(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.state.statements import StatementFormState

    me = make_subscriber(db)
    state = page_state(StatementFormState, "/invoices", cookie=signed_in_cookie(db, me))
    call(StatementFormState.make, state, {"from": "2026-03-02", "to": "2026-03-01"})
    assert (state.err_from, state.href) == ("Start on or before the end date.", "")
    call(StatementFormState.make, state, {"from": "2026-01-01", "to": "2026-03-01"})
    assert (state.err_from, state.err_to) == ("", "")
    assert state.href == "/documents/statement.pdf?from=2026-01-01&to=2026-03-01"
    assert state.label == "Jan 1 – Mar 1, 2026"
