"""Bill explained: each invoice says what changed since the last one, in plain words, with amounts
that add up to the difference; the same words on the Invoices page and in the invoice PDF."""

from __future__ import annotations

import datetime as dt

from factories import make_invoice, make_payment, make_subscriber
from sqlmodel import Session, select
from test_billing_documents import pdf_text
from test_proration import _complete, _setup

from portal_app.integrations import documents
from portal_app.jobs import billing_jobs
from portal_app.models import Invoice, InvoiceLine
from portal_app.services.billing import statements
from portal_app.services.billing.explain import explain_invoices
from portal_app.services.orders import package_change
from portal_app.services.core.formatting import formatter


def _invoice(db: Session, account_id: int, start: dt.date) -> Invoice:
    return db.exec(select(Invoice).where(Invoice.account_id == account_id, Invoice.period_start == start)).one()


def _texts(reasons) -> list[tuple[str, int | None]]:
    return [(r.text, r.amount_cents) for r in reasons]


def _upgraded_in_march(db: Session):
    """Fiber 300 + Wi-Fi billed for March and paid; upgraded to Fiber 1 Gig prorated from Mar 12."""
    me, fiber, packs, staff = _setup(db)
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    march = _invoice(db, me.account.id, dt.date(2026, 3, 1))
    make_payment(db, me.account, 6500)
    db.commit()
    package_change.place_package_change(db, principal=me.principal, service_id=fiber.id, package_id=packs["F1G"].id,
                                        prorate_now=True, paperless=True, today=dt.date(2026, 3, 12))
    db.commit()
    _complete(db, staff, me.account.id)
    billing_jobs.billing_run(db, today=dt.date(2026, 4, 1))
    return me, march, _invoice(db, me.account.id, dt.date(2026, 4, 1))


def test_an_upgrade_bill_explains_the_price_change_the_part_month_and_the_payment(db: Session) -> None:
    me, march, april = _upgraded_in_march(db)
    explained = explain_invoices(db, account_id=me.account.id, invoice_ids=[march.id, april.id])
    assert explained[march.id].headline == "This is your first bill: $65.00."
    why = explained[april.id]
    assert why.headline == "This bill is $97.91, $32.91 more than your last bill ($65.00)."
    assert _texts(why.changes) == [
        ("Fiber 300 changed to Fiber 1 Gig: $55.00 → $75.00 a month", 2000),
        ("A package change in a month already billed is put right: the old price's days are credited and the new "
         "price's days charged.", None),
        ("Credit for Fiber 300, Mar 12–31 (20 of 31 days)", -3548),
        ("Fiber 1 Gig, Mar 12–31 (20 of 31 days)", 4839),
        ("Same as your last bill: Whole-home Wi-Fi.", None),
    ]
    assert sum(r.amount_cents or 0 for r in why.changes) == april.total_cents - march.total_cents
    texts = _texts(why.account)
    assert texts[0] == (f"Your last bill, {march.number}: $65.00", None)
    assert texts[1][0].startswith("Payment ") and texts[1][0].endswith("(Visa •••• 4242), thank you")
    assert texts[1][1] == -6500
    assert texts[2] == ("Everything before this bill is paid: nothing carried over.", None)


def test_the_bill_after_says_the_part_month_is_not_repeated_and_what_is_carried(db: Session) -> None:
    me, march, april = _upgraded_in_march(db)  # April is not paid
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    may = _invoice(db, me.account.id, dt.date(2026, 5, 1))
    why = explain_invoices(db, account_id=me.account.id, invoice_ids=[may.id])[may.id]
    assert why.headline == "This bill is $85.00, $12.91 less than your last bill ($97.91)."
    assert _texts(why.changes) == [
        ("Not repeated from your last bill: Credit for Fiber 300, Mar 12–31 (20 of 31 days); "
         "Fiber 1 Gig, Mar 12–31 (20 of 31 days)", -1291),
        ("Same as your last bill: Fiber 1 Gig, Whole-home Wi-Fi.", None),
    ]
    assert _texts(why.account)[-2:] == [("Still to pay from before, carried into this bill: $97.91", 9791),
                                         ("With this bill you owe $182.91.", None)]


def test_new_and_removed_services_one_time_charges_credits_late_fees_and_taxes(db: Session) -> None:
    me = make_subscriber(db)
    first = make_invoice(db, me.account, 6500 + 390, due_on=dt.date(2026, 2, 21))
    second = make_invoice(db, me.account, 0, due_on=dt.date(2026, 3, 21))
    db.add_all([
        InvoiceLine(invoice_id=first.id, description="Fiber 300 (Feb 2026)", amount_cents=5500, sort_order=1),
        InvoiceLine(invoice_id=first.id, description="Static IP (Feb 2026)", amount_cents=1000, sort_order=2),
        InvoiceLine(invoice_id=first.id, description="Sales tax", amount_cents=390, sort_order=3, kind="tax"),
    ])
    lines = [("Fiber 300 (Mar 2026)", 5500, "service"), ("Whole-home Wi-Fi (Mar 2026)", 1200, "service"),
             ("Installation", 4900, "one_time"), ("Late payment fee", 500, "late_fee"),
             ("Goodwill credit for the outage", -1000, "credit"), ("Sales tax", 402, "tax")]
    db.add_all(InvoiceLine(invoice_id=second.id, description=d, amount_cents=c, sort_order=i, kind=k)
               for i, (d, c, k) in enumerate(lines, start=1))
    second.total_cents = sum(c for _, c, _ in lines)
    db.add(second)
    db.commit()
    why = explain_invoices(db, account_id=me.account.id, invoice_ids=[second.id])[second.id]
    assert _texts(why.changes) == [
        ("New: Whole-home Wi-Fi, $12.00 a month", 1200),
        ("No longer billed: Static IP (was $10.00 a month)", -1000),
        ("One-time charge: Installation", 4900),
        ("Late fee: Late payment fee", 500),
        ("Credit: Goodwill credit for the outage", -1000),
        ("Taxes: $3.90 → $4.02 (they follow the charges above)", 12),
        ("Same as your last bill: Fiber 300.", None),
    ]
    assert sum(r.amount_cents or 0 for r in why.changes) == second.total_cents - first.total_cents
    assert _texts(why.account)[-2:] == [("Still to pay from before, carried into this bill: $68.90", 6890),
                                         (f"With this bill you owe ${(second.total_cents + 6890) / 100:.2f}.", None)]


def test_another_accounts_invoice_is_never_explained(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = make_invoice(db, them.account, 1000)
    db.commit()
    assert explain_invoices(db, account_id=me.account.id, invoice_ids=[theirs.id]) == {}


def test_the_invoices_page_and_the_pdf_carry_the_explanation(db: Session) -> None:
    me, _, april = _upgraded_in_march(db)
    page = statements.list_invoices(db, principal=me.principal, today=dt.date(2026, 4, 2))
    assert page.rows[0][0].id == april.id
    assert statements.explain_invoice(db, principal=me.principal, invoice_id=april.id).headline.startswith(
        "This bill is $97.91")
    doc = statements.invoice_document(db, principal=me.principal, invoice_id=april.id, today=dt.date(2026, 4, 2))
    text = pdf_text(documents.invoice_pdf(doc, fmt=formatter()))
    assert "Why is my bill different?" in text and "$32.91 more than your last bill" in text
    assert "Credit for Fiber 300, Mar 12–31 (20 of 31 days)" in text and "−$35.48" in text
    assert "Fiber 300 changed to Fiber 1 Gig" in text
