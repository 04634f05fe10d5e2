"""Command line: `python -m portal_app migrate | demo-data | setup | create-admin | worker | import | paper-bills ...`."""

from __future__ import annotations

import argparse
import os
import sys

from portal_app.config import get_settings
from portal_app.models import session_scope
from portal_app.models.migrate import upgrade
from portal_app.services.core import formatting


def _migrate() -> None:
    upgrade(get_settings().database_url)
    print("Database migrated.")


def _demo_data() -> None:
    from portal_app.jobs.demo_data import DEMO_SIGN_INS, load_demo_data
    from portal_app.services.core.clock import provider_today

    with session_scope() as db:
        created = load_demo_data(db, today=provider_today())
    print("Demo data loaded." if created else "Demo data already present; nothing changed.")
    for sign_in in DEMO_SIGN_INS:
        print(f"  {sign_in['who']}: {sign_in['username']} / {sign_in['password']}")


def _refuse_in_production(command: str) -> int:
    if get_settings().is_production:
        print(f"{command} loads the demo provider's people and passwords; it never runs with PORTAL_ENV=production.\n"
              "Run `python -m portal_app migrate` and `python -m portal_app create-admin` instead.", file=sys.stderr)
        return 2
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    """The first admin: flags for automation, prompts for whatever is missing (password never echoed)."""
    import getpass

    from portal_app.services.staff import staff_users
    from portal_app.services.core.errors import FieldErrors

    username = args.username or input("Staff username: ")
    full_name = args.name or input("Full name: ")
    email = args.email or input("Email: ")
    password = args.password or os.environ.get("PORTAL_ADMIN_PASSWORD") or ""
    if not password:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The passwords differ; nothing was created.", file=sys.stderr)
            return 1
    try:
        with session_scope() as db:
            staff = staff_users.create_admin(db, username=username, email=email, full_name=full_name, password=password)
    except FieldErrors as problem:
        for field, message in problem.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    print(f"Admin {staff.full_name} created: sign in at {get_settings().public_url.rstrip('/')}/staff/signin "
          f"as {staff.username}.")
    return 0


def _import(args: argparse.Namespace) -> int:
    """Dry run (the default) or --apply of the CSV files in a folder; exit 1 when any row is refused."""
    from pathlib import Path

    from portal_app.services.operations import importer
    from portal_app.services.core.principal import Principal

    folder = Path(args.folder)
    files = {kind: (folder / f"{kind}.csv").read_text(encoding="utf-8-sig")
             for kind in importer.KINDS if (folder / f"{kind}.csv").is_file()}
    if not files:
        print(f"No CSV files in {folder}: name them {', '.join(k + '.csv' for k in importer.KINDS)}.", file=sys.stderr)
        return 1
    with session_scope() as db:
        report = importer.run_import(db, principal=Principal.system("Import (command line)"), files=files,
                                     apply=args.apply, source=str(folder))
    for row in report.rows if args.verbose else report.refused:
        print(f"{row.kind}.csv row {row.row} ({row.key}): {row.outcome}" + (f": {row.reason}" if row.reason else ""))
    if args.report:
        Path(args.report).write_text(importer.report_csv(report))
    print(report.summary())
    return 0 if report.ok else 1


def _billing_job(command: str) -> None:
    from portal_app.jobs import billing_jobs
    from portal_app.services.core.clock import provider_today

    with session_scope() as db:
        if command == "billing-run":
            report = billing_jobs.billing_run(db, today=provider_today())
        elif command == "autopay-run":
            report = billing_jobs.autopay_run(db, today=provider_today())
        elif command == "expiry-reminders":
            report = billing_jobs.expiry_reminders(db, today=provider_today())
        else:
            report = billing_jobs.settle_pending(db)
    print(f"{command}: {report}")


def _deliver_mail(every: float = 0) -> int:
    """One pass over the outbox, or (with --every N) a pass every N seconds until stopped.

    Failures are printed and logged with their reason. A single pass exits with status 1 when
    nothing could be delivered because of the SMTP server or the connection to it, so cron and
    monitoring notice; a --every worker keeps going whatever one pass met.
    """
    import logging
    import time

    from portal_app.integrations.mail import deliver_pending
    from portal_app.theming import current_theme

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log = logging.getLogger("portal.mail")
    settings = get_settings()
    theme = current_theme()
    while True:
        try:
            with session_scope() as db:
                report = deliver_pending(
                    db, smtp_url=settings.smtp_url, sender_name=theme.provider_name,
                    sender_address=settings.mail_from or theme.support_email,
                )
        except Exception:  # noqa: BLE001 - e.g. the database is unreachable: say so, keep the worker alive
            log.exception("Mail delivery pass failed")
            if not every:
                return 1
            time.sleep(every)
            continue
        if settings.smtp_url:
            print(report.summary(), flush=True)
            for reason in report.reasons:
                print(f"  not delivered: {reason}", flush=True)
        else:
            print("No PORTAL_SMTP_URL: mail kept in the outbox (see the log).", flush=True)
        if not every:
            return 1 if report.nothing_delivered_for_server_error else 0
        time.sleep(every)


def _notify_job(command: str) -> int:
    from portal_app.jobs import notify_jobs
    from portal_app.services.core.clock import provider_today

    with session_scope() as db:
        if command == "bill-reminders":
            print(f"{command}: {notify_jobs.bill_reminders(db, today=provider_today())}")
            return 0
        try:
            print(f"{command}: {notify_jobs.deliver_texts(db)}")
        except RuntimeError as problem:  # the provider refused every text: say why, exit 1 for cron
            print(f"{command}: {problem}", file=sys.stderr)
            return 1
    return 0


def _retention() -> None:
    from portal_app.services.operations import cleanup  # the worker's cleanup job, run once

    with session_scope() as db:
        report = cleanup.run_cleanup(db)
        db.commit()
        print(f"retention: {report}")


def _paper_bills(month: str, out: str, mark_printed: bool = False) -> int:
    """Write the PDF of each paper bill of a month into a folder, for the provider's print-and-post run
    (the staff Paper bills page lists and prints the same bills)."""
    import datetime as dt
    from pathlib import Path

    from portal_app.integrations import documents
    from portal_app.services.billing import paper_bills
    from portal_app.services.core.clock import provider_today
    from portal_app.services.core.principal import Principal

    try:
        period_start = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        print(f"--month takes a month as YYYY-MM, not {month!r}.", file=sys.stderr)
        return 2
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    system = Principal.system("paper-bills")
    with session_scope() as db:
        bills = paper_bills.paper_bill_documents(db, principal=system, today=provider_today(),
                                                 period_start=period_start, waiting_only=False)
        for doc in bills:
            pdf = documents.invoice_pdf(doc, fmt=formatting.formatter(doc.locale))  # in its reader's language
            (folder / f"invoice-{doc.number}.pdf").write_bytes(pdf)
        marked = 0
        if mark_printed:
            rows = paper_bills.paper_bills(db, principal=system, period_start=period_start)
            marked = paper_bills.mark_printed(db, principal=system, invoice_ids=[r.invoice_id for r in rows])
            db.commit()
    print(f"paper-bills: {len(bills)} bill(s) of {formatting.date(period_start, 'yMMMM')} written to {folder}"
          + (f"; {marked} marked printed" if mark_printed else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("demo-data", help="load the demo provider's data (idempotent)")
    commands.add_parser("setup", help="migrate, then load demo data if it is not there yet")
    commands.add_parser("billing-run", help="issue this month's invoices and email them (safe to run twice)")
    commands.add_parser("autopay-run", help="charge due invoices of AutoPay accounts")
    commands.add_parser("expiry-reminders", help="email accounts whose AutoPay card expires within 30 days (once per card)")
    commands.add_parser("settle-ach", help="record the outcome of pending bank payments")
    paper = commands.add_parser("paper-bills", help="write the PDFs of a month's paper bills (for printing) into a folder")
    paper.add_argument("--month", required=True, metavar="YYYY-MM")
    paper.add_argument("--out", required=True, metavar="FOLDER")
    paper.add_argument("--mark-printed", action="store_true",
                       help="then mark them printed (off the staff Paper bills page's waiting list)")
    commands.add_parser("bill-reminders", help="remind accounts of bills due within 3 days (once per bill; "
                                               "AutoPay accounts are told what will be charged when)")
    commands.add_parser("deliver-texts", help="send the due text messages (quiet hours respected)")
    commands.add_parser("retention", help="delete expired tokens, ended sessions, idle rate limits, old mail bodies")
    deliver = commands.add_parser("deliver-mail", help="send the outbox's due mail over SMTP (run it every minute)")
    deliver.add_argument("--every", type=float, default=0, metavar="SECONDS", help="keep running, one pass every SECONDS")
    worker = commands.add_parser("worker", help="run mail delivery and the scheduled jobs until stopped (or --once JOB)")
    worker.add_argument("--once", metavar="JOB", help="run one job now if it is due (mail, texts, billing, promises, holds, autopay, "
                                               "expiry_reminders, bill_reminders, settle_ach, cleanup, webhooks)")
    imports = commands.add_parser("import", help="bring subscribers in from CSV files (dry run unless --apply)")
    imports.add_argument("folder", help="folder holding accounts.csv, contacts.csv, services.csv, invoices.csv, "
                                        "invoice_lines.csv, payments.csv (any of them)")
    imports.add_argument("--apply", action="store_true", help="write it (all or nothing); without it: a dry run")
    imports.add_argument("--report", metavar="FILE", help="write every row's outcome to this CSV file")
    imports.add_argument("--verbose", action="store_true", help="print every row, not only the refused ones")
    admin = commands.add_parser("create-admin", help="create a staff admin (prompts for what no flag gives)")
    admin.add_argument("--username")
    admin.add_argument("--name", help="full name")
    admin.add_argument("--email")
    admin.add_argument("--password", help="better: PORTAL_ADMIN_PASSWORD in the environment, or the prompt")
    args = parser.parse_args(argv)
    from portal_app import log_redaction
    from portal_app.observability import configure_logging

    log_redaction.install(links=get_settings().is_production)
    configure_logging(get_settings().log_format)  # PORTAL_LOG_FORMAT=json: one JSON object per line
    if args.command in ("demo-data", "setup") and (refused := _refuse_in_production(args.command)):
        return refused
    if args.command == "import":
        return _import(args)
    if args.command == "worker":
        from portal_app.jobs import worker as job_worker

        if args.once:
            if args.once not in job_worker.BY_NAME:
                parser.error(f"unknown job {args.once!r}; one of: {', '.join(job_worker.BY_NAME)}")
            print(job_worker.run_job(args.once) or f"{args.once}: not due, or another worker is running it.")
            return 0
        job_worker.serve()
        return 0
    if args.command == "create-admin":
        _migrate()
        return _create_admin(args)
    if args.command in ("billing-run", "autopay-run", "expiry-reminders", "settle-ach"):
        _billing_job(args.command)
    if args.command in ("migrate", "setup"):
        _migrate()
    if args.command in ("demo-data", "setup"):
        _demo_data()
    if args.command in ("bill-reminders", "deliver-texts"):
        return _notify_job(args.command)
    if args.command == "retention":
        _retention()
    if args.command == "paper-bills":
        return _paper_bills(args.month, args.out, args.mark_printed)
    if args.command == "deliver-mail":
        return _deliver_mail(args.every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
