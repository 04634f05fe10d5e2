"""The Invoices pager's own work, without Reflex: CPU per tap for the session check, the page of invoices
(one statement; a bill's explanation is read only when it is opened) and the row dicts with their dates and
amounts in the reader's formats, in one database session per tap as a handler runs it.
The account has 12 invoices and 10 payments (two pages). Compare checkouts by running it in each.

    .venv/bin/python bench/page_work.py [taps]

Uses a throw-away SQLite database (set BENCH_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlmodel import Session  # noqa: E402

from factories import make_invoice, make_payment, make_subscriber  # noqa: E402
from portal_app.models import make_engine  # noqa: E402
from portal_app.models.migrate import upgrade  # noqa: E402
from portal_app.services.billing import statements  # noqa: E402
from portal_app.services.core import formatting  # noqa: E402
from portal_app.services.identity import auth  # noqa: E402

TODAY = dt.date(2026, 3, 1)


def main() -> None:
    taps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        me = make_subscriber(db)
        for i in range(12):
            make_invoice(db, me.account, 5000 + i, due_on=dt.date(2025, 1, 21) + dt.timedelta(days=31 * i))
        for _ in range(10):
            make_payment(db, me.account, 5000)
        db.flush()
        token = auth.redeem_session_ticket(db, ticket=auth.create_session_ticket(db, user=me.user)).token
        db.commit()

    def tap(page: int) -> list[dict]:
        with Session(engine, expire_on_commit=False) as db:
            principal = auth.resolve_session(db, token=token)
            result = statements.list_invoices(db, principal=principal, today=TODAY, page=page)
            fmt = formatting.formatter()
            rows = [{"id": inv.id, "number": inv.number, "date": fmt.date(inv.issued_on), "due": fmt.date(inv.due_on),
                     "amount": fmt.money(inv.total_cents), "status": status} for inv, status in result.rows]
            db.commit()
            return rows

    for i in range(200):  # warm: caches, statement compilation
        tap(1 + i % 2)
    runs = []
    for _ in range(5):
        started = time.process_time()
        for i in range(taps):
            tap(1 + i % 2)
        runs.append((time.process_time() - started) / taps * 1000)
    print(f"Invoices pager, the page's work: {min(runs):.3f} ms CPU per tap (best of 5 x {taps}; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    engine.dispose()


if __name__ == "__main__":
    main()
