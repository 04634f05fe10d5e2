"""Money, numbers, dates and times through one Babel module, in the provider's time zone: the formats,
the one amount parser, stored UTC moments near midnight on the pages and the receipt, and a check of the
source that no hand-made date format or currency symbol is left in portal_app."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from factories import call, make_payment, make_subscriber
from sqlmodel import Session, select
from test_billing_documents import client, pdf_text  # noqa: F401  (client is a fixture)
from test_states import (  # noqa: F401  (fixtures and helpers)
    app_db,
    page_state,
    signed_in_cookie,
)

from portal_app.integrations import documents
from portal_app.models import (
    OutboxMail,
    PaymentMethod,
    RecurringPayment,
    Workflow,
    WorkflowTask,
)
from portal_app.services.billing import statements
from portal_app.services.core.formatting import Formatter, formatter
from portal_app.services.identity import auth
from portal_app.services.notify.send import send
from portal_app.services.orders import order_tracking
from portal_app.state.autopay import AutoPayState
from portal_app.state.statements import PaymentsListState
from portal_app.theming import load_theme

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"
US = Formatter(locale="en_US", currency="USD", timezone="America/Chicago")
ES = Formatter(locale="es_US", currency="USD", timezone="America/Chicago")
DE = Formatter(locale="de_DE", currency="EUR", timezone="Europe/Berlin")
# 03:30 UTC on Mar 5 is 9:30 PM on Mar 4 in Chicago (CST, UTC-6): the page and the receipt say Mar 4.
NEAR_MIDNIGHT = dt.datetime(2026, 3, 5, 3, 30, tzinfo=dt.UTC)


# --- the formats -----------------------------------------------------------------------------------

def test_money_balance_and_signed_amounts_read_as_before_in_en_us() -> None:
    assert [US.money(c) for c in (0, 7, 108_450, -1_000)] == ["$0.00", "$0.07", "$1,084.50", "-$10.00"]
    assert (US.balance(-1_000), US.balance(12_245)) == ("$10.00 credit", "$122.45")
    assert (US.signed(500), US.signed(-500), US.signed(0)) == ("+$5.00", "−$5.00", "$0.00")
    assert DE.money(108_450) == "1.084,50\xa0€" and US.number(1_234_567) == "1,234,567"


def test_days_times_and_ranges_in_en_us_and_es_us() -> None:
    day = dt.date(2026, 3, 5)
    assert [US.date(day), US.date(day, "long"), US.date(day, "MMMd"), US.date(day, "yMMMM")] == [
        "Mar 5, 2026", "March 5, 2026", "Mar 5", "March 2026"]
    assert [ES.date(day), ES.date(day, "long")] == ["5 mar 2026", "5 de marzo de 2026"]
    assert US.date_range(day, dt.date(2026, 3, 9), "MMMd") == "Mar 5–9"
    assert US.date_range(dt.date(2026, 2, 1), dt.date(2026, 3, 31)) == "Feb 1 – Mar 31, 2026"
    assert US.time(dt.datetime(2026, 6, 21, 19, 0, tzinfo=dt.UTC), zone_name=True) == "2:00 PM CDT"
    assert US.time_range(dt.datetime(2026, 6, 21, 13, tzinfo=dt.UTC), dt.datetime(2026, 6, 21, 17, tzinfo=dt.UTC)) \
        == "8:00 AM – 12:00 PM"


def test_a_stored_moment_is_the_providers_day_and_time() -> None:
    assert US.date(NEAR_MIDNIGHT) == "Mar 4, 2026" and US.day_of(NEAR_MIDNIGHT) == dt.date(2026, 3, 4)
    assert US.moment(NEAR_MIDNIGHT) == "Mar 4, 2026, 9:30 PM"
    assert Formatter("en_US", "USD", "Europe/Berlin").date(NEAR_MIDNIGHT) == "Mar 5, 2026"
    with pytest.raises(ValueError, match="naive"):
        US.date(dt.datetime(2026, 3, 5, 3, 30))


def test_no_cldr_thin_or_narrow_spaces_reach_people() -> None:
    texts = [US.moment(NEAR_MIDNIGHT), ES.moment(NEAR_MIDNIGHT), US.date_range(dt.date(2026, 1, 1), dt.date(2026, 2, 1))]
    assert not [t for t in texts if "\u202f" in t or "\u2009" in t]


@pytest.mark.parametrize("typed, cents", [("84.5", 8450), ("$1,084.50", 108450), ("1000", 100000), ("0.01", 1),
                                          (" 12 ", 1200), ("0", 0)])
def test_amounts_typed_in_en_us(typed: str, cents: int) -> None:
    assert US.parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["", "abc", "1e3", "NaN", "Infinity", "12.345", "-5", "0x10", "1_000", "１２",
                                   "1,08.50", "1 000", "1000000000"])
def test_what_is_not_an_amount_in_en_us(typed: str) -> None:
    assert US.parse_amount(typed) is None


def test_a_forms_starting_amount_reads_back_as_the_same_cents() -> None:
    for fmt in (US, ES, DE):
        assert [fmt.parse_amount(fmt.plain_amount(c)) for c in (5, 8437, 108450)] == [5, 8437, 108450]
    assert (US.plain_amount(108450), DE.plain_amount(108450)) == ("1084.50", "1084,50")


def test_amounts_typed_in_a_comma_decimal_locale() -> None:
    assert DE.parse_amount("1.084,50 €") == 108450 and DE.parse_amount("84,5") == 8450
    assert DE.parse_amount("84.5") is None  # a misplaced group separator is refused, never read as 845


def test_the_theme_names_a_locale_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    demo = (PACKAGE / "theming" / "themes" / "demo.toml").read_text()
    assert load_theme("demo").locale == "en_US" and load_theme("harbor").locale == "en_US"
    spanish = tmp_path / "spanish.toml"
    spanish.write_text(demo.replace('locale = "en_US"', 'locale = "es_US"'))
    assert load_theme(str(spanish)).locale == "es_US"
    spanish.write_text(demo.replace('locale = "en_US"', 'locale = "xx_QQ"'))
    with pytest.raises(ValueError, match="unknown locale"):
        load_theme(str(spanish))


def test_stamps_inside_identifiers_take_days_only() -> None:
    from portal_app.services.core.formatting import day_stamp, month_stamp

    assert (day_stamp(dt.date(2026, 3, 5)), month_stamp(dt.date(2026, 3, 5))) == ("20260305", "202603")
    with pytest.raises(TypeError):
        day_stamp(NEAR_MIDNIGHT)


def test_a_receipt_number_is_short_and_dated() -> None:
    from portal_app.services.billing.payments import new_receipt_number

    assert re.fullmatch(r"RCP-\d{8}-[0-9A-F]{8}", new_receipt_number())


def test_a_subscribers_locale_is_taken_and_an_unknown_one_falls_back_to_the_providers() -> None:
    assert formatter("es_US").date(dt.date(2026, 3, 5)) == "5 mar 2026"
    assert formatter("not a locale").locale == formatter().locale == "en_US"


# --- stored UTC moments near midnight, on the pages and on the receipt -----------------------------

def test_a_payment_at_0330_utc_is_the_day_before_on_the_payments_page_and_the_receipt(
        app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    payment = make_payment(db, me.account, 8437)
    payment.created_at = NEAR_MIDNIGHT
    db.add(payment)
    db.commit()
    state = page_state(PaymentsListState, "/payments", cookie=signed_in_cookie(db, me))
    call(PaymentsListState.load, state)
    assert [(row["receipt"], row["date"]) for row in state.payments] == [(payment.receipt_number, "Mar 4, 2026")]
    receipt = statements.receipt_document(db, principal=me.principal, payment_id=payment.id)
    text = pdf_text(documents.receipt_pdf(receipt, fmt=formatter()))
    assert "Date: Mar 4, 2026, 9:30 PM" in text and "Mar 5" not in text


def test_autopay_charges_and_orders_show_the_providers_day(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    method = PaymentMethod(account_id=me.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_9",
                           brand="Visa", last4="4242", exp_month=1, exp_year=2031)
    db.add(method)
    db.flush()
    recurring = RecurringPayment(account_id=me.account.id, payment_method_id=method.id,
                                 created_at=NEAR_MIDNIGHT - dt.timedelta(days=30))
    charge = make_payment(db, me.account, 6400)
    charge.source, charge.created_at = "autopay", NEAR_MIDNIGHT
    workflow = Workflow(account_id=me.account.id, kind="install", title="Fiber install", created_at=NEAR_MIDNIGHT)
    db.add_all([recurring, charge, workflow])
    db.flush()
    db.add(WorkflowTask(workflow_id=workflow.id, name="Install", trackable=True, portal_name="Install"))
    db.commit()
    state = page_state(AutoPayState, "/autopay", cookie=signed_in_cookie(db, me))
    call(AutoPayState.load, state)
    assert [row["since"] for row in state.items] == ["Feb 2, 2026"]  # 03:30 UTC on Feb 3
    call(AutoPayState.toggle_history, state, recurring.id)
    assert [(c["date"], c["amount"]) for c in state.charges] == [("Mar 4, 2026", "$64.00")]
    assert [o.placed_on for o in order_tracking.tracked_orders(db, principal=me.principal)] == ["Mar 4, 2026"]


# --- nothing formats dates or money by hand --------------------------------------------------------

_SOURCES = ("*.py", "*.html", "*.txt")
# The sms alphabet lists "£$¥" as characters a text may carry, not as money.
_NOT_MONEY = {"integrations/sms.py"}
_HAND_MADE_MONEY = re.compile(r"""\$\s*\{|\$\d|["']\$["']|[€£¥]|cents\W{0,3}\s*(?<!/)/\s*100(?!\d)""")


def _files() -> list[Path]:
    return sorted(p for pattern in _SOURCES for p in PACKAGE.rglob(pattern)
                  if "migrations" not in p.parts and p.name != "formatting.py" and "__pycache__" not in p.parts)


def hand_made_formats(path: Path, text: str) -> list[str]:
    """`strftime`, a `%` date format in an f-string or `format()`, a currency symbol written by hand, cents
    turned into a float to print."""
    found = [f"{path.name}:{n}: strftime" for n, line in enumerate(text.splitlines(), 1) if "strftime" in line]
    if str(path.relative_to(PACKAGE)) not in _NOT_MONEY:
        found += [f"{path.name}:{n}: {m.group(0)!r}" for n, line in enumerate(text.splitlines(), 1)
                  for m in _HAND_MADE_MONEY.finditer(line)]
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(text)):
            spec = None
            if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
                spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "format"
                  and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
                spec = str(node.args[1].value)
            if spec and "%" in spec:
                found.append(f"{path.name}:{node.lineno}: date format {spec!r}")
    return found


def test_no_strftime_and_no_hand_made_currency_symbol_in_portal_app() -> None:
    found = [hit for path in _files() for hit in hand_made_formats(path, path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("source", [
    'when = moment.strftime("%b %d")', 'label = f"{day:%b %-d, %Y}"', 'label = format(day, "%Y")',
    'price = f"${cents / 100:.2f}"', 'fee = "Up to $200.00"', 'text = raw.lstrip("$")', 'eur = "€"',
    '{{ promised_on.strftime("%b") }}', 'Pay ${{ amount }}', 'amount = f"{due.left_cents / 100:.2f}"'])
def test_the_source_check_sees_each_kind_of_hand_made_format(source: str, tmp_path: Path) -> None:
    path = PACKAGE / "services" / "example.py"  # never written: only its name and suffix are read
    if source.startswith(("{{", "Pay")):
        path = path.with_suffix(".txt")
    assert hand_made_formats(path, source) != []


# --- a subscriber's own locale: their PDFs and their mail ------------------------------------------

def test_a_spanish_reader_gets_receipts_in_es_us_and_others_keep_the_providers(
        db: Session, client) -> None:  # noqa: F811
    spanish, english = make_subscriber(db), make_subscriber(db)
    spanish.user.language = "es_US"
    db.add(spanish.user)
    payments = [make_payment(db, sub.account, 8437) for sub in (spanish, english)]
    for payment in payments:
        payment.created_at = NEAR_MIDNIGHT
        db.add(payment)
    db.commit()
    texts = []
    for sub, payment in zip((spanish, english), payments):
        ticket = auth.create_session_ticket(db, user=sub.user)
        db.commit()
        client.cookies.set(auth.SESSION_COOKIE, auth.redeem_session_ticket(db, ticket=ticket).token)
        db.commit()
        texts.append(pdf_text(client.get(f"/documents/receipts/{payment.id}.pdf").content))
    assert "Fecha: 4 mar 2026, 9:30 p.m." in texts[0] and "$84.37" in texts[0]
    assert "Date: Mar 4, 2026, 9:30 PM" in texts[1]


def test_mail_is_written_in_the_recipients_locale(db: Session) -> None:
    spanish, english = make_subscriber(db), make_subscriber(db)
    spanish.user.language = "es_US"
    db.add(spanish.user)
    for sub in (spanish, english):
        send(db, account_id=sub.account.id, event="bill_reminder", template="bill_reminder", key=None,
             context={"due_on": dt.date(2026, 3, 21), "balance_cents": 5000, "autopay": None,
                      "pay_link": "http://portal.example/quickpay"})
    db.commit()
    mails = {m.account_id: m for m in db.exec(select(OutboxMail))}
    assert "$50.00 vence el 21 mar 2026." in mails[spanish.account.id].body_text
    assert "$50.00 is due on Mar 21, 2026." in mails[english.account.id].body_text
