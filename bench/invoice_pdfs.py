"""Invoice PDFs per second, against a floor: a one-line reportlab PDF made the same way.

    .venv/bin/python bench/invoice_pdfs.py [count]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal_app.integrations import documents  # noqa: E402
from portal_app.integrations.documents import InvoiceDocument  # noqa: E402
from portal_app.services.core import formatting  # noqa: E402


def rate(make, count: int) -> float:
    make()  # warm up fonts and caches
    started = time.perf_counter()
    for _ in range(count):
        make()
    return count / (time.perf_counter() - started)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    doc = InvoiceDocument(
        number="INV-100200300-202603", account_number="100200300", bill_to="Maya Okafor",
        address_lines=["2417 Cedar Bend Dr", "Austin, TX 78704"], issued_on=dt.date(2026, 3, 1),
        due_on=dt.date(2026, 3, 21), period="Mar 1, 2026 – Mar 31, 2026",
        lines=[("Fiber 1 Gig (Mar 2026)", 7000), ("Whole-home Wi-Fi (Mar 2026)", 1000),
               ("Regulatory recovery fee", 199), ("State and local taxes", 492)],
        total_cents=8691, paid_cents=0, status="open",
    )
    floor = rate(lambda: documents.one_line_pdf("floor"), count)
    invoices = rate(lambda: documents.invoice_pdf(doc, fmt=formatting.formatter()), count)
    print(f"one-line PDF (floor): {floor:8.1f} per second")
    print(f"invoice PDF:          {invoices:8.1f} per second  ({invoices / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
