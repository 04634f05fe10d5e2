"""Billing run and AutoPay run: accounts per second over N accounts (default 10,000), against a
floor measured the same way: one read of each account's services and one write per account.

    .venv/bin/python bench/billing_runs.py [accounts]

Uses a throw-away SQLite database (set BENCH_DATABASE_URL for PostgreSQL) and the sandbox gateway.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session, select  # noqa: E402

from portal_app.integrations.payments.sandbox import SandboxGateway  # noqa: E402
from portal_app.jobs import billing_jobs  # noqa: E402
from portal_app.models import (  # noqa: E402
    Account,
    AccountHistory,
    AccountService,
    PaymentMethod,
    PortalUser,
    RecurringPayment,
    make_engine,
)
from portal_app.models.migrate import upgrade  # noqa: E402

TODAY = dt.date(2026, 3, 25)


def seed(db: Session, accounts: int) -> None:
    rows = [Account(account_number=f"5{n:08d}", first_name="Bench", last_name=f"Subscriber{n}", billing_zip="78701")
            for n in range(accounts)]
    db.add_all(rows)
    db.flush()
    for n, account in enumerate(rows):
        db.add(AccountService(account_id=account.id, name="Fiber 500", billable=True, monthly_price_cents=6500))
        db.add(PortalUser(account_id=account.id, username=f"bench{n}", email=f"bench{n}@example.com"))
        method = PaymentMethod(account_id=account.id, kind="card", gateway="sandbox",
                               gateway_token=f"pm_sandbox_ok_{n}", brand="Visa", last4="4242", exp_month=8, exp_year=2030)
        db.add(method)
        db.flush()
        db.add(RecurringPayment(account_id=account.id, payment_method_id=method.id))
    db.commit()


def floor(db: Session) -> float:
    """Per account: read its services, write one history row, commit in batches like the runs do."""
    ids = db.exec(select(Account.id)).all()
    started = time.perf_counter()
    for n, account_id in enumerate(ids, start=1):
        db.exec(select(AccountService).where(AccountService.account_id == account_id)).all()
        db.add(AccountHistory(account_id=account_id, actor_kind="system", actor_name="bench", kind="bench",
                              action="floor", summary="floor"))
        if n % 500 == 0:
            db.commit()
    db.commit()
    return len(ids) / (time.perf_counter() - started)


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        seed(db, accounts)
        print(f"seeded {accounts} accounts in {time.perf_counter() - started:.1f}s")
        base = floor(db)
        print(f"floor (read + one write per account): {base:8.1f} accounts per second")
        started = time.perf_counter()
        report = billing_jobs.billing_run(db, today=TODAY)
        billing = accounts / (time.perf_counter() - started)
        print(f"billing run ({report}):  {billing:8.1f} accounts per second  ({billing / base:.2f}x the floor)")
        started = time.perf_counter()
        report = billing_jobs.autopay_run(db, today=TODAY, gateway=SandboxGateway())
        autopay = accounts / (time.perf_counter() - started)
        print(f"AutoPay run ({report}): {autopay:8.1f} accounts per second  ({autopay / base:.2f}x the floor)")
    engine.dispose()


if __name__ == "__main__":
    main()
