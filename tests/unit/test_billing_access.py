"""What an account owes, whose objects a subscriber may see, and how money reads on screen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from factories import make_invoice, make_payment, make_subscriber
from sqlalchemy import func
from sqlmodel import Session, select

from portal_app.jobs.demo_data import BUSINESS_ACCOUNT, RESIDENTIAL_ACCOUNT, load_demo_data
from portal_app.models import Account, Invoice, Payment, PortalUser
from portal_app.services.billing import billing
from portal_app.services.selfservice import dashboard
from portal_app.services.core.access import access_account, access_invoice, access_payment
from portal_app.services.core.errors import NotFound
from portal_app.services.core.formatting import Formatter
from portal_app.services.core.principal import Principal

DUE = dt.date(2026, 3, 21)


# --- balances -------------------------------------------------------------------------------


def test_balance_counts_open_and_paid_invoices_but_not_void_ones(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 5_000, status="paid", due_on=dt.date(2026, 2, 21))
    make_invoice(db, me.account, 7_250, status="open", due_on=DUE)
    make_invoice(db, me.account, 9_999, status="void", due_on=DUE)
    make_payment(db, me.account, 5_000, status="succeeded")
    db.commit()
    assert billing.balance_cents(db, account_id=me.account.id) == 7_250


def test_only_succeeded_payments_reduce_the_balance(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 7_250, due_on=DUE)
    make_payment(db, me.account, 7_250, status="failed")
    make_payment(db, me.account, 7_250, status="pending")
    db.commit()
    assert billing.balance_cents(db, account_id=me.account.id) == 7_250
    make_payment(db, me.account, 2_000, status="succeeded")
    db.commit()
    assert billing.balance_cents(db, account_id=me.account.id) == 5_250


def test_another_accounts_bills_and_payments_do_not_count(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    make_invoice(db, them.account, 12_345, due_on=DUE)
    make_payment(db, them.account, 500)
    make_invoice(db, me.account, 1_000, due_on=DUE)
    db.commit()
    assert billing.balance_cents(db, account_id=me.account.id) == 1_000
    assert billing.balance_cents(db, account_id=them.account.id) == 11_845


def test_new_account_owes_nothing(db: Session) -> None:
    me = make_subscriber(db)
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=DUE)
    assert due == billing.AmountDue(balance_cents=0, due_on=None, past_due=False)


def test_amount_due_names_the_oldest_open_invoices_due_date(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 4_000, status="paid", due_on=dt.date(2026, 1, 21))
    make_invoice(db, me.account, 6_000, status="open", due_on=DUE)
    make_invoice(db, me.account, 6_000, status="open", due_on=dt.date(2026, 2, 21))
    make_payment(db, me.account, 4_000)
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=dt.date(2026, 2, 10))
    assert due.balance_cents == 12_000
    assert due.due_on == dt.date(2026, 2, 21) and due.past_due is False


def test_past_due_starts_the_day_after_the_due_date(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 7_250, due_on=DUE)
    db.commit()
    day = dt.timedelta(days=1)
    seen = {
        today: billing.amount_due(db, account_id=me.account.id, today=today)
        for today in (DUE - day, DUE, DUE + day)
    }
    assert {d.balance_cents for d in seen.values()} == {7_250}
    assert {d.due_on for d in seen.values()} == {DUE}
    # Due today is not past due yet; the day after is.
    assert [seen[t].past_due for t in (DUE - day, DUE, DUE + day)] == [False, False, True]


def test_overpayment_is_a_credit_with_nothing_due(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 7_000, status="open", due_on=DUE)
    make_payment(db, me.account, 10_000)
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=DUE + dt.timedelta(days=30))
    assert due.balance_cents == -3_000
    assert due.due_on is None and due.past_due is False


def test_paid_in_full_means_nothing_due_even_after_the_date(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 7_000, status="open", due_on=DUE)
    make_payment(db, me.account, 7_000)
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=DUE + dt.timedelta(days=5))
    assert (due.balance_cents, due.due_on, due.past_due) == (0, None, False)


# --- access: own objects only, and a miss looks the same as someone else's ------------------


@pytest.fixture
def two_accounts(db: Session):
    me, them = make_subscriber(db), make_subscriber(db)
    mine = (make_invoice(db, me.account, 1_000), make_payment(db, me.account, 1_000))
    theirs = (make_invoice(db, them.account, 2_000), make_payment(db, them.account, 2_000))
    db.commit()
    return me, them, mine, theirs


def _missing_id(db: Session, model: type) -> int:
    return int(db.exec(select(func.max(model.id))).one() or 0) + 1000


def test_own_invoice_and_payment_are_found(db: Session, two_accounts) -> None:
    me, _them, (invoice, payment), _theirs = two_accounts
    assert access_invoice(db, me.principal, invoice.id).total_cents == 1_000
    assert access_payment(db, me.principal, payment.id).receipt_number == payment.receipt_number
    assert access_account(db, me.principal).account_number == me.account.account_number


@pytest.mark.parametrize(("accessor", "model", "index"), [(access_invoice, Invoice, 0), (access_payment, Payment, 1)])
def test_another_accounts_id_and_a_missing_id_look_the_same(db: Session, two_accounts, accessor, model, index) -> None:
    me, them, _mine, theirs = two_accounts
    with pytest.raises(NotFound) as foreign:
        accessor(db, me.principal, theirs[index].id)
    with pytest.raises(NotFound) as missing:
        accessor(db, me.principal, _missing_id(db, model))
    assert str(foreign.value) == str(missing.value)
    assert "could not be found" in str(foreign.value)
    # The owner still sees it: the miss was about who asked, not about the row.
    assert accessor(db, them.principal, theirs[index].id).id == theirs[index].id


def test_principal_without_an_account_sees_nothing(db: Session, two_accounts) -> None:
    _me, _them, (invoice, _payment), _theirs = two_accounts
    staff_like = Principal(kind="staff", display_name="Someone")
    with pytest.raises(NotFound):
        access_account(db, staff_like)
    with pytest.raises(NotFound):
        access_invoice(db, staff_like, invoice.id)


def test_account_that_no_longer_exists_is_not_found(db: Session) -> None:
    ghost = Principal(kind="subscriber", display_name="Ghost", user_id=1, account_id=_missing_id(db, Account))
    with pytest.raises(NotFound) as problem:
        access_account(db, ghost)
    assert str(problem.value) == "That account could not be found."


# --- money on screen ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (123_450, "USD", "$1,234.50"),
        (-5, "USD", "-$0.05"),
        (0, "USD", "$0.00"),
        (7, "USD", "$0.07"),
        (100, "USD", "$1.00"),
        (123_456_789, "USD", "$1,234,567.89"),
        (-123_450, "USD", "-$1,234.50"),
        (123_450, "EUR", "€1,234.50"),
        (123_450, "GBP", "£1,234.50"),
        (123_450, "CHF", "CHF\xa01,234.50"),  # a no-break space: the code never parts from the number
    ],
)
def test_format_cents(cents: int, currency: str, text: str) -> None:
    assert Formatter(locale="en_US", currency=currency, timezone="America/Chicago").money(cents) == text


@pytest.mark.parametrize("amount", [12.5, 1234.50, Decimal("12.50"), "1250"])
def test_format_cents_rejects_anything_but_integer_cents(amount) -> None:
    with pytest.raises(TypeError, match="integer cents"):
        Formatter(locale="en_US", currency="USD", timezone="America/Chicago").money(amount)


# --- the home page summary for the demo accounts --------------------------------------------

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def demo(db: Session) -> Session:
    assert load_demo_data(db, today=TODAY) is True
    db.commit()
    return db


def _principal_for(db: Session, username: str) -> Principal:
    user = db.exec(select(PortalUser).where(PortalUser.username == username)).one()
    return Principal(kind="subscriber", display_name=username, user_id=user.id, account_id=user.account_id)


def test_home_summary_for_the_residential_demo_account(demo: Session) -> None:
    principal = _principal_for(demo, "maya")
    summary = dashboard.home_summary(demo, principal=principal, today=TODAY)
    account = demo.exec(select(Account).where(Account.account_number == RESIDENTIAL_ACCOUNT)).one()
    open_invoice = demo.exec(select(Invoice).where(Invoice.account_id == account.id, Invoice.status == "open")).one()
    assert summary.display_name == "Maya Okafor" and summary.first_name == "Maya"
    assert summary.account_number == "100200300" and summary.account_kind == "residential"
    assert summary.balance_cents == open_invoice.total_cents > 0
    assert summary.due_on == dt.date(2026, 3, 21) and summary.past_due is False
    assert summary.service_address.startswith(account.service_street)
    assert summary.service_address.endswith(f"{account.service_state} {account.service_zip}")
    late = dashboard.home_summary(demo, principal=principal, today=dt.date(2026, 3, 22))
    assert late.past_due is True and late.balance_cents == summary.balance_cents


def test_home_summary_for_the_business_demo_account(demo: Session) -> None:
    summary = dashboard.home_summary(demo, principal=_principal_for(demo, "bluebonnet"), today=TODAY)
    account = demo.exec(select(Account).where(Account.account_number == BUSINESS_ACCOUNT)).one()
    assert summary.display_name == "Bluebonnet Bakery LLC"
    assert summary.account_number == "100200400" and summary.account_kind == "business"
    billed = sum(i.total_cents for i in demo.exec(select(Invoice).where(Invoice.account_id == account.id)) if i.status != "void")
    paid = sum(p.amount_cents for p in demo.exec(select(Payment).where(Payment.account_id == account.id)) if p.status == "succeeded")
    assert summary.balance_cents == billed - paid
    # Each subscriber sees only their own account, never the other demo account's figures.
    maya = dashboard.home_summary(demo, principal=_principal_for(demo, "maya"), today=TODAY)
    assert maya.account_number != summary.account_number
