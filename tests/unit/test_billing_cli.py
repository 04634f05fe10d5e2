"""The billing jobs from the command line, on the demo data: safe to run twice."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import point_app_at, reset_app_engine
from sqlmodel import Session, select

from portal_app.__main__ import main
from portal_app.jobs.demo_data import load_demo_data
from portal_app.models import Invoice, OutboxMail
from portal_app.services.core import formatting
from portal_app.services.core.clock import provider_today


def test_billing_jobs_from_the_command_line_twice(database_url: str, db: Session, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    load_demo_data(db, today=provider_today())
    db.commit()
    # Next month's run: every account with billable services gets exactly one new invoice.
    today = provider_today()
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=2)
    monkeypatch.setattr("portal_app.services.core.clock.provider_today", lambda now=None: next_month)
    point_app_at(monkeypatch, database_url)
    try:
        for _ in range(2):
            for command in ("billing-run", "autopay-run", "settle-ach", "deliver-mail"):
                assert main([command]) == 0
    finally:
        reset_app_engine()
    out = capsys.readouterr().out
    assert "billing-run: 2 done, 0 skipped" in out and "billing-run: 0 done, 2 skipped" in out
    new = db.exec(select(Invoice).where(Invoice.period_start == next_month.replace(day=1))).all()
    assert len(new) == 2
    bills = [m for m in db.exec(select(OutboxMail)) if "/quickpay?t=" in m.body_text]
    # One bill email per account's holder, and Maya's copy of Bluebonnet Bakery's (she holds it, billing only).
    assert len(bills) == 3 and len({m.to_address for m in bills}) == 2
    assert len({(m.account_id, m.to_address) for m in bills}) == 3


def test_paper_bills_are_written_for_the_print_run(database_url: str, db: Session, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture, tmp_path) -> None:
    from factories import make_subscriber
    from test_billing_documents import pdf_text

    from portal_app.jobs import billing_jobs
    from portal_app.models import Account, AccountService

    paper, email = make_subscriber(db, paperless=False), make_subscriber(db)
    for sub in (paper, email):
        db.add(AccountService(account_id=sub.account.id, name="Fiber 300", monthly_price_cents=5500))
    db.commit()
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    point_app_at(monkeypatch, database_url)
    try:
        assert main(["paper-bills", "--month", "2026-05", "--out", str(tmp_path / "print")]) == 0
        assert main(["paper-bills", "--month", "May", "--out", str(tmp_path)]) == 2
    finally:
        reset_app_engine()
    assert "paper-bills: 1 bill(s) of May 2026 written" in capsys.readouterr().out
    [written] = (tmp_path / "print").iterdir()
    number = db.get(Account, paper.account.id).account_number
    assert written.name == f"invoice-INV-{number}-202605.pdf"
    assert "Fiber 300 (May 2026)" in pdf_text(written.read_bytes())


def test_paper_bills_wait_for_the_post_until_marked_printed_admins_only(database_url: str, db: Session,
                                                                       monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from factories import make_subscriber
    from test_billing_documents import pdf_text

    from portal_app.integrations import documents
    from portal_app.jobs import billing_jobs
    from portal_app.models import AccountHistory, AccountService, Invoice, StaffUser
    from portal_app.services.billing import paper_bills
    from portal_app.services.core.access import StaffOnly
    from portal_app.services.core.errors import Forbidden
    from portal_app.services.core.principal import Principal
    from portal_app.services.identity import staff_auth

    first, second, email = make_subscriber(db, paperless=False), make_subscriber(db, paperless=False), make_subscriber(db)
    second.user.language = "es_US"  # their paper bill is printed in Spanish
    db.add(second.user)
    for sub in (first, second, email):
        db.add(AccountService(account_id=sub.account.id, name="Fiber 300", monthly_price_cents=5500))
    admin = StaffUser(username="pa", email="pa@example.com", full_name="Pat Admin", password_hash="x", role="admin")
    agent = StaffUser(username="ag", email="ag@example.com", full_name="Al Agent", password_hash="x", role="agent")
    db.add_all([admin, agent])
    db.commit()
    boss, helper = staff_auth.staff_principal(admin), staff_auth.staff_principal(agent)
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    with pytest.raises(Forbidden):
        paper_bills.paper_bills(db, principal=helper)
    with pytest.raises(StaffOnly):
        paper_bills.paper_bills(db, principal=first.principal)
    waiting = paper_bills.paper_bills(db, principal=boss)
    assert {b.account_number for b in waiting} == {first.account.account_number, second.account.account_number}
    docs = paper_bills.paper_bill_documents(db, principal=boss, today=dt.date(2026, 5, 2))
    merged = documents.invoices_pdf([(doc, formatting.formatter(doc.locale)) for doc in docs])
    text = pdf_text(merged)
    assert all(b.number in text for b in waiting)
    numbers = {b.account_number: b.number for b in waiting}
    assert f"Invoice {numbers[first.account.account_number]}" in text
    assert f"Factura {numbers[second.account.account_number]}" in text and "Esta es su primera factura" in text
    assert paper_bills.mark_printed(db, principal=boss, invoice_ids=[waiting[0].invoice_id]) == 1
    assert paper_bills.mark_printed(db, principal=boss, invoice_ids=[waiting[0].invoice_id]) == 0  # once
    db.commit()
    assert [b.invoice_id for b in paper_bills.paper_bills(db, principal=boss)] == [waiting[1].invoice_id]
    assert db.get(Invoice, waiting[0].invoice_id).printed_at is not None
    assert db.exec(select(AccountHistory).where(AccountHistory.action == "paper_bill_printed")).one().entity_id \
        == waiting[0].invoice_id
    # The command prints the month's bills from the same service and can mark them printed.
    point_app_at(monkeypatch, database_url)
    try:
        assert main(["paper-bills", "--month", "2026-05", "--out", str(tmp_path / "print"), "--mark-printed"]) == 0
    finally:
        reset_app_engine()
    db.expire_all()
    assert len(list((tmp_path / "print").iterdir())) == 2 and paper_bills.paper_bills(db, principal=boss) == []
    assert paper_bills.paper_bills(db, principal=Principal.system("paper-bills"), waiting_only=False) != []
