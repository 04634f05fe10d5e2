"""Invoice and receipt PDFs through the HTTP route: only the signed-in account's own, text checked."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterator

import pytest
from factories import count_queries, make_invoice, make_payment, make_subscriber, point_app_at, reset_app_engine
from pypdf import PdfReader
from sqlmodel import Session

import portal_app.api
from portal_app.integrations import documents
from portal_app.models import InvoiceLine
from portal_app.services.billing import statements
from portal_app.services.core.errors import NotFound
from portal_app.services.identity import auth
from portal_app.integrations.documents import InvoiceDocument
from portal_app.services.core.formatting import formatter

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url)
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        yield test_client
    reset_app_engine()


def _session_token(db: Session, subscriber) -> str:
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    token = auth.redeem_session_ticket(db, ticket=ticket).token
    db.commit()
    return token


def test_invoice_and_receipt_pdfs_only_for_their_account(db: Session, client: TestClient) -> None:
    mine = make_subscriber(db, first_name="Maya", last_name="Okafor")
    other = make_subscriber(db)
    invoice = make_invoice(db, mine.account, 8437)
    db.add(InvoiceLine(invoice_id=invoice.id, description="Fiber 1 Gig", amount_cents=8437))
    payment = make_payment(db, mine.account, 8437)
    their_invoice = make_invoice(db, other.account, 1000)
    their_payment = make_payment(db, other.account, 1000)
    db.commit()
    client.cookies.set(auth.SESSION_COOKIE, _session_token(db, mine))

    response = client.get(f"/documents/invoices/{invoice.id}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    text = pdf_text(response.content)
    assert invoice.number in text and "$84.37" in text and "Maya Okafor" in text and "Fiber 1 Gig" in text
    receipt = client.get(f"/documents/receipts/{payment.id}.pdf?download=1")
    assert receipt.status_code == 200 and "attachment" in receipt.headers["content-disposition"]
    assert payment.receipt_number in pdf_text(receipt.content) and "$84.37" in pdf_text(receipt.content)

    for path in (f"/documents/invoices/{their_invoice.id}.pdf", f"/documents/receipts/{their_payment.id}.pdf",
                 "/documents/invoices/999999.pdf", "/documents/receipts/abc.pdf"):
        assert client.get(path).status_code == 404, path
    client.cookies.clear()
    assert client.get(f"/documents/invoices/{invoice.id}.pdf").status_code == 404


def test_a_spanish_readers_pdfs_are_in_spanish(db: Session, client: TestClient) -> None:
    """The words of the invoice, receipt and statement follow the signed-in reader's language, dates too."""
    reader = make_subscriber(db, first_name="Lucía", last_name="Reyes")
    reader.user.language = "es_US"
    invoice = make_invoice(db, reader.account, 8437, due_on=dt.date(2026, 3, 21))
    db.add(InvoiceLine(invoice_id=invoice.id, description="Fiber 1 Gig", amount_cents=8437))
    payment = make_payment(db, reader.account, 8437)
    db.commit()
    client.cookies.set(auth.SESSION_COOKIE, _session_token(db, reader))

    text = pdf_text(client.get(f"/documents/invoices/{invoice.id}.pdf").content)
    for words in (f"Factura {invoice.number}", "Facturar a: Lucía Reyes", f"ID de suscriptor: {reader.account.account_number}",
                  "Vencimiento: 21 mar 2026", "Período de servicio: 1–21 de mar de 2026", "Descripción", "Monto",
                  "Fiber 1 Gig", "Pagado: $0.00 · Monto a pagar: $84.37"):
        assert words in text, words
    assert "Esta es su primera factura: $84.37." in text and "Nuevo: Fiber 1 Gig, $84.37 al mes" in text
    assert not any(english in text for english in ("Invoice date", "Due date", "Description", "Bill to", "Amount due",
                                                   "first bill", "a month"))
    receipt = pdf_text(client.get(f"/documents/receipts/{payment.id}.pdf").content)
    assert f"Recibo de pago {payment.receipt_number}" in receipt and "Estado: Pagado" in receipt
    assert "Monto pagado" in receipt and "Amount paid" not in receipt
    # Words only: a longer bill number wraps the description's line in the table cell.
    statement = " ".join(pdf_text(client.get("/documents/statement.pdf?from=2026-03-01&to=2026-03-31").content).split())
    assert f"Factura {invoice.number}, vence el 21 mar 2026" in statement and "Saldo inicial" in statement
    assert "Antigüedad al 31 mar 2026" in statement and "Opening balance" not in statement


def test_pdf_escapes_markup_in_names() -> None:
    doc = InvoiceDocument(number="INV-1", account_number="1", bill_to='<img src="/etc/passwd"/> & <b>x',
                          address_lines=["<font size=40>1 Main</font>"], issued_on=dt.date(2026, 3, 1),
                          due_on=dt.date(2026, 3, 21), period=(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), lines=[("<para>fee", 100)],
                          total_cents=100, paid_cents=0, status="open")
    text = pdf_text(documents.invoice_pdf(doc, fmt=formatter()))
    assert '<img src="/etc/passwd"/> & <b>x' in text and "<para>fee" in text


def test_invoice_list_is_newest_first_paged_with_statuses(db: Session) -> None:
    sub = make_subscriber(db)
    for month in range(1, 9):
        make_invoice(db, sub.account, 1000 * month, due_on=dt.date(2026, month, 21), status="paid" if month < 7 else "open")
    db.commit()
    first = statements.list_invoices(db, principal=sub.principal, today=dt.date(2026, 8, 1))
    assert first.pages == 2 and len(first.rows) == statements.PAGE_SIZE
    assert [inv.due_on.month for inv, _ in first.rows] == [8, 7, 6, 5, 4, 3]
    assert [status for _, status in first.rows[:3]] == ["open", "past due", "paid"]
    second = statements.list_invoices(db, principal=sub.principal, today=dt.date(2026, 8, 1), page=99)
    assert second.page == 2 and len(second.rows) == 2


def test_a_page_of_invoices_is_one_statement(db: Session) -> None:
    """A pager tap reads its page and the count together; explanations wait until a bill's is opened."""
    sub = make_subscriber(db)
    for month in range(1, 9):
        make_invoice(db, sub.account, 1000 * month, due_on=dt.date(2026, month, 21))
    db.commit()
    for page in (1, 2):
        assert count_queries(db, lambda: statements.list_invoices(db, principal=sub.principal,
                                                                  today=dt.date(2026, 8, 1), page=page)) == 1
    empty = make_subscriber(db)
    db.commit()
    nothing = statements.list_invoices(db, principal=empty.principal, today=dt.date(2026, 8, 1), page=3)
    assert (nothing.rows, nothing.page, nothing.pages) == ([], 1, 1)


def test_only_the_accounts_own_bill_is_explained(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    mine, theirs = make_invoice(db, me.account, 1000), make_invoice(db, them.account, 2000)
    void = make_invoice(db, me.account, 500, status="void")
    db.commit()
    assert statements.explain_invoice(db, principal=me.principal, invoice_id=mine.id).headline
    assert statements.explain_invoice(db, principal=me.principal, invoice_id=void.id) is None
    with pytest.raises(NotFound):
        statements.explain_invoice(db, principal=me.principal, invoice_id=theirs.id)
