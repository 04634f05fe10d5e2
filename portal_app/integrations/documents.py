"""Invoice, receipt and statement PDFs (reportlab).

Every string that came from a person goes through `_text` before `Paragraph`: reportlab reads
markup in paragraphs, and a name like `<img src="/etc/passwd"/>` would otherwise be obeyed.
Text is set in DejaVu Sans (shipped in portal_app/data/fonts, see DejaVu.LICENSE there), so names
in Greek, Cyrillic, Polish, Vietnamese... print as typed; reportlab's built-in Helvetica is Latin-1.

Amounts, dates and times, and the documents' own words, are written by the `Formats` the caller hands in
(services/core/formatting's Formatter, in the reader's locale and the provider's time zone): `fmt.say("Due
date")` reads the gettext catalog of that locale's language (`make translations` extracts `say(...)`), and
`fmt.say(value)` translates a label the services marked (a status). This layer never imports services.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal_app.theming import current_theme

_FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT, BOLD = "PortalSans", "PortalSans-Bold"
pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))
pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)

_styles = getSampleStyleSheet()
for _style in _styles.byName.values():
    if hasattr(_style, "fontName"):
        _style.fontName = BOLD if "Bold" in _style.fontName else FONT


class Formats(Protocol):
    """How a document writes money and time (services/core/formatting.Formatter is one)."""

    def money(self, cents: int) -> str: ...
    def balance(self, cents: int) -> str: ...
    def signed(self, cents: int) -> str: ...
    def date(self, value: dt.date | dt.datetime, form: str = "medium") -> str: ...
    def moment(self, moment: dt.datetime, form: str = "medium", *, seconds: bool = False,
               zone_name: bool = False) -> str: ...
    def date_range(self, start: dt.date, end: dt.date, form: str = "yMMMd") -> str: ...
    def say(self, text: str, **params: object) -> str: ...


# What the PDFs print: plain data the billing services fill in (this layer never reads the database).
@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    account_number: str
    bill_to: str
    address_lines: list[str]
    issued_on: dt.date
    due_on: dt.date
    period: tuple[dt.date, dt.date]
    lines: list[tuple[str, int]]
    total_cents: int
    paid_cents: int
    status: str
    # "Why is my bill different?": a headline, then (text, amount or None) rows of what changed and of
    # the payments and balance since the last bill.
    explained_headline: str = ""
    changes: list[tuple[str, int | None]] = field(default_factory=list)
    account_lines: list[tuple[str, int | None]] = field(default_factory=list)
    locale: str = ""  # the locale its reader reads ("" for the provider's): a print run formats each bill so


@dataclass(frozen=True)
class ReceiptDocument:
    receipt_number: str
    account_number: str
    paid_by: str
    paid_at: dt.datetime
    method_label: str
    amount_cents: int
    status: str
    applied: list[tuple[str, int]] = field(default_factory=list)
    taken_back: list[tuple[str, int]] = field(default_factory=list)  # refunds, disputes, returns


@dataclass(frozen=True)
class StatementDocument:
    account_number: str
    bill_to: str
    address_lines: list[str]
    start: dt.date
    end: dt.date
    made_on: dt.date
    opening_cents: int
    rows: list[tuple[dt.date, str, int, int]]  # day, what, amount (negative: paid or credited), balance after
    closing_cents: int
    aging: list[tuple[str, int]]  # (bucket, cents) as of `end`


def _text(value: object, style: str = "Normal") -> Paragraph:
    return Paragraph(escape(str(value)), _styles[style])


def _header(title: str) -> list:
    theme = current_theme()
    return [
        _text(theme.provider_name, "Title"),
        _text(f"{theme.legal_name} · {theme.support_phone} · {theme.support_email}"),
        Spacer(1, 0.2 * inch),
        _text(title, "Heading2"),
    ]


def _table(rows: list[list], *, total_row: bool = True) -> Table:
    table = Table(rows, colWidths=[4.6 * inch, 1.8 * inch])
    style = [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.grey),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ]
    if total_row:
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.grey), ("FONTNAME", (0, -1), (-1, -1), BOLD)]
    table.setStyle(TableStyle(style))
    return table


def _build(story: list, title: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=LETTER, title=title, author=current_theme().provider_name,
                      leftMargin=inch, rightMargin=inch, topMargin=0.8 * inch).build(story)
    return buffer.getvalue()


def invoice_pdf(doc: InvoiceDocument, *, fmt: Formats) -> bytes:
    money, say = fmt.money, fmt.say
    title = say("Invoice %(number)s", number=doc.number)
    story = _header(title)
    story += [_text(say("Bill to: %(name)s", name=doc.bill_to)), *[_text(line) for line in doc.address_lines],
              _text(say("Subscriber ID: %(number)s", number=doc.account_number)),
              _text(say("Invoice date: %(issued)s · Due date: %(due)s", issued=fmt.date(doc.issued_on),
                        due=fmt.date(doc.due_on))),
              _text(say("Service period: %(period)s", period=fmt.date_range(*doc.period))),
              _text(say("Status: %(status)s", status=say(doc.status))), Spacer(1, 0.2 * inch)]
    rows = [[say("Description"), say("Amount")]] + [[_text(say(desc)), money(cents)] for desc, cents in doc.lines]
    rows.append([say("Total"), money(doc.total_cents)])
    story.append(_table(rows))
    story += [Spacer(1, 0.15 * inch), _text(say("Paid: %(paid)s · Amount due: %(due)s", paid=money(doc.paid_cents),
                                                due=money(doc.total_cents - doc.paid_cents)))]
    if doc.explained_headline:
        story += [Spacer(1, 0.25 * inch), _text(say("Why is my bill different?"), "Heading3"),
                  _text(say(doc.explained_headline))]
        for heading, rows in ((say("What changed"), doc.changes), (say("Payments and balance"), doc.account_lines)):
            if rows:
                story += [Spacer(1, 0.1 * inch), _reasons_table(heading, rows, fmt)]
    return _build(story, title)


def invoices_pdf(bills: list[tuple[InvoiceDocument, Formats]]) -> bytes:
    """Several invoices in one PDF, each starting on a new page and in its reader's formats (a print run)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for doc, fmt in bills:
        writer.append(PdfReader(io.BytesIO(invoice_pdf(doc, fmt=fmt))))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _reasons_table(title: str, rows: list[tuple[str, int | None]], fmt: Formats) -> Table:
    return _table([[title, ""]] + [[_text(fmt.say(text)), "" if cents is None else fmt.signed(cents)]
                                   for text, cents in rows], total_row=False)


def receipt_pdf(doc: ReceiptDocument, *, fmt: Formats) -> bytes:
    money, say = fmt.money, fmt.say
    story = _header(say("Payment receipt %(number)s", number=doc.receipt_number))
    story += [_text(say("Paid by: %(name)s", name=doc.paid_by)),
              _text(say("Subscriber ID: %(number)s", number=doc.account_number)),
              _text(say("Date: %(when)s", when=fmt.moment(doc.paid_at))),
              _text(say("Method: %(method)s", method=doc.method_label)),
              _text(say("Status: %(status)s", status=say(doc.status))), Spacer(1, 0.2 * inch)]
    rows = [[say("Applied to"), say("Amount")]] + [[_text(say("Invoice %(number)s", number=number)), money(cents)]
                                                   for number, cents in doc.applied]
    returned = sum(cents for _, cents in doc.taken_back)
    unapplied = doc.amount_cents - returned - sum(cents for _, cents in doc.applied)
    if unapplied:
        rows.append([_text(say("Credit on account") if doc.status == "Paid" else say("To apply when settled")),
                     money(unapplied)])
    rows += [[_text(say(label)), money(-cents)] for label, cents in doc.taken_back]
    rows.append([say("Amount paid"), money(doc.amount_cents)])
    if returned:
        rows.append([say("Net paid"), money(doc.amount_cents - returned)])
    story.append(_table(rows))
    return _build(story, say("Receipt %(number)s", number=doc.receipt_number))


def statement_pdf(doc: StatementDocument, *, fmt: Formats) -> bytes:
    say = fmt.say
    title = say("Statement %(dates)s", dates=fmt.date_range(doc.start, doc.end))
    story = _header(title)
    story += [_text(say("Account holder: %(name)s", name=doc.bill_to)), *[_text(line) for line in doc.address_lines],
              _text(say("Subscriber ID: %(number)s", number=doc.account_number)),
              _text(say("Made on %(day)s", day=fmt.date(doc.made_on))), Spacer(1, 0.2 * inch)]
    rows = [[say("Date"), say("Description"), say("Amount"), say("Balance")],
            [fmt.date(doc.start), _text(say("Opening balance")), "", fmt.balance(doc.opening_cents)]]
    rows += [[fmt.date(day), _text(say(what)), ("−" if cents < 0 else "") + fmt.money(abs(cents)), fmt.balance(after)]
             for day, what, cents, after in doc.rows]
    if not doc.rows:
        rows.append(["", _text(say("Nothing billed, paid or refunded in these dates.")), "", ""])
    rows.append([fmt.date(doc.end), say("Closing balance"), "", fmt.balance(doc.closing_cents)])
    table = Table(rows, colWidths=[1.2 * inch, 3.1 * inch, 1.05 * inch, 1.15 * inch], repeatRows=1)
    table.setStyle(TableStyle([
        ("ALIGN", (2, 0), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTNAME", (0, 0), (-1, 0), BOLD), ("FONTNAME", (0, -1), (-1, -1), BOLD),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.grey), ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.grey),
    ]))
    story += [table, Spacer(1, 0.25 * inch),
              _text(say("Aging on %(day)s: what is still owed, by days past due", day=fmt.date(doc.end)), "Heading3")]
    aging = Table([[say(label) for label, _ in doc.aging], [fmt.money(cents) for _, cents in doc.aging]],
                  colWidths=[1.3 * inch] * len(doc.aging))
    aging.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTNAME", (0, 0), (-1, 0), BOLD),
                               ("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.grey)]))
    story.append(aging)
    return _build(story, title)


def one_line_pdf(text: str) -> bytes:
    """The floor the benchmarks compare invoice PDFs against."""
    return _build([_text(text)], "floor")
