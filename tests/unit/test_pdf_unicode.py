"""PDFs print names in any script DejaVu Sans covers (issue 10, item 13)."""

from __future__ import annotations

import datetime as dt

from test_billing_documents import pdf_text

from portal_app.integrations import documents
from portal_app.integrations.documents import InvoiceDocument
from portal_app.services.core.formatting import formatter

NAMES = "Łucja Żółć · Ольга Петрова · Αλέξης Παπαδόπουλος · Nguyễn Thị Hương"


def test_non_latin_names_print_as_typed() -> None:
    doc = InvoiceDocument(number="INV-1", account_number="1", bill_to=NAMES, address_lines=["Ulica Świętokrzyska 5"],
                          issued_on=dt.date(2026, 3, 1), due_on=dt.date(2026, 3, 21), period=(dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
                          lines=[("Światłowód 1 Gb/s", 100)], total_cents=100, paid_cents=0, status="open")
    text = pdf_text(documents.invoice_pdf(doc, fmt=formatter()))
    assert NAMES in text and "Ulica Świętokrzyska 5" in text and "Światłowód 1 Gb/s" in text
