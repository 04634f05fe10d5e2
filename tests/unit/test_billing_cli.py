"""The billing jobs from the command line, on the demo data: safe to run twice."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import point_app_at, reset_app_engine
from sqlmodel import Session, select

from portal_app.__main__ import main
from portal_app.jobs.demo_data import load_demo_data
from portal_app.models import Invoice, OutboxMail
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
    assert len(bills) == 2


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
