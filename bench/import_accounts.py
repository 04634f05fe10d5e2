"""Import: N accounts (default 100,000), each with a contact, a service and an open invoice with a line,
as CSV files; the dry run, the apply, and the second run (all unchanged), timed. The floor is a
plain bulk INSERT of the same N account rows measured the same way; ratios are against it.

    .venv/bin/python bench/import_accounts.py [accounts]

Uses a throw-away SQLite database (set BENCH_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from portal_app.models import Account, make_engine  # noqa: E402
from portal_app.models.migrate import upgrade  # noqa: E402
from portal_app.services.operations import importer  # noqa: E402
from portal_app.services.core.principal import Principal  # noqa: E402


def files(n: int) -> dict[str, str]:
    out = {kind: io.StringIO() for kind in ("accounts", "contacts", "services", "invoices", "invoice_lines")}
    for kind, buffer in out.items():
        buffer.write(",".join(importer.HEADERS[kind]) + "\n")
    for i in range(n):
        number = f"8{i:08d}"
        out["accounts"].write(f"{number},residential,Pat,Doe{i},,{i} Main St,Austin,TX,78701,78701,,active\n")
        out["contacts"].write(f"{number},C{i},Owner,Pat,Doe{i},pat{i}@mail.example,\n")
        out["services"].write(f"{number},S{i},,Fiber 300,55.00,active,2025-01-01\n")
        out["invoices"].write(f"{number},B{i},2026-11-01,2026-11-21,2026-11-01,2026-11-30,55.00,open\n")
        out["invoice_lines"].write(f"B{i},1,Fiber 300 (November),55.00\n")
    return {kind: buffer.getvalue() for kind, buffer in out.items()}


def timed(label: str, work) -> float:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:8.1f} s  {result}", flush=True)
    return seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    data = files(n)
    system = Principal.system("Import benchmark")
    print(f"{n:,} accounts, {sum(len(t.splitlines()) - 1 for t in data.values()):,} rows, "
          f"{sum(len(t) for t in data.values()) / 1e6:.1f} MB of CSV, {engine.dialect.name}")

    def floor() -> str:
        with Session(engine) as db:
            rows = [{"account_number": f"9{i:08d}", "last_name": f"Doe{i}"} for i in range(n)]
            for start in range(0, n, 5000):
                db.execute(sa.insert(Account), rows[start:start + 5000])
            db.rollback()
        return "(rolled back)"

    def run(apply: bool) -> str:
        with Session(engine) as db:
            report = importer.run_import(db, principal=system, files=data, apply=apply)
            db.commit()
        return report.summary()

    base = timed("floor: bulk INSERT of the accounts", floor)
    dry = timed("dry run", lambda: run(False))
    apply = timed("apply", lambda: run(True))
    again = timed("second apply (nothing changes)", lambda: run(True))
    print(f"ratios to the floor: dry run {dry / base:.1f}x, apply {apply / base:.1f}x, again {again / base:.1f}x")


if __name__ == "__main__":
    main()
