"""Running the portal: create-admin, invitations, staff two-factor, settings, the audit log, the job
lease and the cleanup job, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from factories import make_subscriber, point_app_at, reset_app_engine
from sqlmodel import Session, select
from test_states import app_db  # noqa: F401  (a fixture: the states' engine on this test's database)

from portal_app.__main__ import main
from portal_app.models import (
    Account,
    AccountHistory,
    AuthToken,
    JobState,
    OutboxMail,
    ProviderSettings,
    StaffAuditEntry,
    StaffUser,
    UserSession,
    utcnow,
)
from portal_app.services.billing import billing
from portal_app.services.identity import staff_auth
from portal_app.services.operations import cleanup, importer, job_runs
from portal_app.services.selfservice import tickets
from portal_app.services.staff import settings_admin, staff_audit, staff_users
from portal_app.services.core.errors import FieldErrors, NotFound, SignInFailed
from portal_app.services.core.principal import Principal

PASSWORD = "a-long-staff-passphrase-7"


def _admin(db: Session) -> Principal:
    staff = staff_users.create_admin(db, username="boss", email="boss@example.com", full_name="Pat Boss",
                                     password=PASSWORD)
    db.commit()
    return staff_auth.staff_principal(staff)


def _link_token(db: Session, to: str) -> str:
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == to).order_by(OutboxMail.id.desc())).first()
    return mail.body_text.split("/staff/set-password?token=")[1].split()[0]


def test_create_admin_from_the_command_line_and_refusals_in_production(
        database_url: str, db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    point_app_at(monkeypatch, database_url)
    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", PASSWORD)
    try:
        assert main(["create-admin", "--username", "Owner", "--name", "Ola Owner", "--email", "ola@example.com"]) == 0
        assert main(["create-admin", "--username", "owner", "--name", "Again", "--email", "a@example.com"]) == 1
        monkeypatch.setenv("PORTAL_ENV", "production")
        from portal_app.config import get_settings

        get_settings.cache_clear()
        assert main(["demo-data"]) == 2
        assert main(["setup"]) == 2
    finally:
        reset_app_engine()
    captured = capsys.readouterr()
    assert "Admin Ola Owner created" in captured.out
    assert "username: That staff username is taken." in captured.err
    assert "never runs with PORTAL_ENV=production" in captured.err
    staff = db.exec(select(StaffUser)).all()
    assert [(s.username, s.role) for s in staff] == [("owner", "admin")]
    assert staff_auth.sign_in_staff(db, username="owner", password=PASSWORD)


def test_invitation_sets_a_password_once_then_the_agent_signs_in(db: Session) -> None:
    admin = _admin(db)
    staff_users.invite(db, principal=admin, full_name="Sam Agent", email="Sam@Example.com", role="agent")
    db.commit()
    token = _link_token(db, "sam@example.com")
    assert staff_users.invitation_for(db, token=token) == "sam@example.com"
    with pytest.raises(SignInFailed):  # no password yet
        staff_auth.sign_in_staff(db, username="sam@example.com", password="")
    with pytest.raises(FieldErrors):
        staff_users.accept_invitation(db, token=token, password="short")
    staff_users.accept_invitation(db, token=token, password=PASSWORD)
    db.commit()
    with pytest.raises(NotFound):  # single use
        staff_users.accept_invitation(db, token=token, password=PASSWORD + "x")
    assert staff_auth.sign_in_staff(db, username="sam@example.com", password=PASSWORD)
    row = db.exec(select(AuthToken).where(AuthToken.purpose == staff_users.INVITE_PURPOSE)).one()
    assert abs(row.expires_at - row.created_at - timedelta(days=5)) < timedelta(seconds=5)


def test_an_expired_invitation_is_refused(db: Session) -> None:
    admin = _admin(db)
    staff_users.invite(db, principal=admin, full_name="Late Larry", email="larry@example.com", role="agent")
    db.commit()
    token = _link_token(db, "larry@example.com")
    db.execute(sa.update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    with pytest.raises(NotFound):
        staff_users.accept_invitation(db, token=token, password=PASSWORD)


def test_roles_disable_and_the_last_admin(db: Session) -> None:
    admin = _admin(db)
    agent = staff_users.invite(db, principal=admin, full_name="Sam Agent", email="sam@example.com", role="agent")
    db.commit()
    with pytest.raises(FieldErrors):  # the only admin cannot stop being one
        staff_users.set_role(db, principal=admin, staff_id=admin.staff_user_id, role="agent")
    with pytest.raises(FieldErrors):
        staff_users.set_disabled(db, principal=admin, staff_id=admin.staff_user_id, disabled=True)
    staff_users.accept_invitation(db, token=_link_token(db, "sam@example.com"), password=PASSWORD)
    ticket = staff_auth.sign_in_staff(db, username="sam@example.com", password=PASSWORD)
    session = staff_auth.redeem_staff_ticket(db, ticket=ticket)
    db.commit()
    assert staff_auth.resolve_staff_session(db, token=session.token).staff_role == "agent"
    staff_users.set_role(db, principal=admin, staff_id=agent.id, role="admin")
    db.commit()
    assert staff_auth.resolve_staff_session(db, token=session.token).staff_role == "admin"  # at once, no sign-out
    staff_users.set_disabled(db, principal=admin, staff_id=agent.id, disabled=True)
    db.commit()
    from portal_app.services.identity.auth import SessionInvalid

    with pytest.raises(SessionInvalid):
        staff_auth.resolve_staff_session(db, token=session.token)
    actions = [e.action for e in db.exec(select(StaffAuditEntry).order_by(StaffAuditEntry.id))]
    assert actions == ["staff.create_admin", "staff.invite", "staff.password_set", "staff.role", "staff.disable"]


def test_staff_two_factor_sign_in_and_admin_reset(db: Session) -> None:
    admin = _admin(db)
    enrolment = staff_users.start_two_factor(db, principal=admin)
    totp = pyotp.TOTP(enrolment.secret)
    staff_users.confirm_two_factor(db, principal=admin, code=totp.now())
    db.commit()
    with pytest.raises(SignInFailed, match="6-digit code"):
        staff_auth.sign_in_staff(db, username="boss", password=PASSWORD)
    with pytest.raises(SignInFailed, match="not right"):
        staff_auth.sign_in_staff(db, username="boss", password=PASSWORD, code="000000")
    code = totp.now()
    assert staff_auth.sign_in_staff(db, username="boss", password=PASSWORD, code=code)
    db.commit()
    with pytest.raises(SignInFailed):  # the same code twice (even across a 30 s step): replay refused
        staff_auth.sign_in_staff(db, username="boss", password=PASSWORD, code=code)
    db.rollback()
    other = staff_users.create_admin(db, username="second", email="s@example.com", full_name="Second Admin",
                                     password=PASSWORD)
    staff_users.reset_two_factor(db, principal=staff_auth.staff_principal(other), staff_id=admin.staff_user_id)
    db.commit()
    assert staff_auth.sign_in_staff(db, username="boss", password=PASSWORD)


def test_settings_validate_record_history_and_take_effect_at_once(db: Session) -> None:
    admin = _admin(db)
    me = make_subscriber(db)
    db.commit()
    values = settings_admin.form_values(db, principal=admin)
    with pytest.raises(FieldErrors) as bad:
        settings_admin.update(db, principal=admin, values={**values, "min_payment_cents": "50.00",
                                                              "max_payment_cents": "20.00"})
    assert "max_payment_cents" in bad.value.errors
    with pytest.raises(FieldErrors) as bad:
        settings_admin.update(db, principal=admin, values={**values, "reschedule_cutoff_hours": "-1"})
    assert "reschedule_cutoff_hours" in bad.value.errors
    changes = settings_admin.update(db, principal=admin, values={**values, "allow_ticket_creation": "off",
                                                                     "max_payment_cents": "1,000.00"})
    db.commit()
    assert changes == ["Subscribers can open tickets: on → off", "Largest online payment: $5,000.00 → $1,000.00"]
    assert db.exec(select(ProviderSettings)).one().max_payment_cents == 100_000
    with pytest.raises(Exception, match="(?i)ticket"):  # the subscriber side reads it on the next request
        tickets.open_ticket(db, principal=me.principal, category="Billing", subject="Hi", description="Help")
    db.rollback()
    history = staff_audit.entries(db, principal=admin, action="settings")
    assert [h.detail for h in history] == ["; ".join(changes)]
    assert settings_admin.update(db, principal=admin, values=settings_admin.form_values(db, principal=admin)) == []


def test_account_changes_by_staff_are_in_the_audit_log_with_the_address(db: Session) -> None:
    admin = _admin(db)
    me = make_subscriber(db)
    session_row = UserSession(token_hash="h" * 64, staff_user_id=admin.staff_user_id, client_ip="203.0.113.9",
                              expires_at=utcnow() + timedelta(hours=1))
    db.add(session_row)
    db.flush()
    admin = Principal(**{**admin.__dict__, "session_id": session_row.id})
    ticket = tickets.open_ticket(db, principal=me.principal, category="Billing", subject="Bill", description="Why?")
    tickets.staff_set_status(db, principal=admin, ticket_id=ticket.id, status="closed")
    db.commit()
    [entry] = staff_audit.entries(db, principal=admin, text=me.account.account_number)
    assert entry.actor_name == "Pat Boss" and entry.client_ip == "203.0.113.9"
    assert entry.action == "account.ticket.status_closed"
    assert staff_audit.entries(db, principal=admin, actor="nobody") == []
    with pytest.raises(sa.exc.DBAPIError):  # append-only in the database itself
        db.execute(sa.text("DELETE FROM staff_audit_entry"))
    db.rollback()


def test_the_job_lease_lets_one_worker_run_each_occurrence(engine: sa.Engine) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        with Session(engine) as db:
            barrier.wait()
            if job_runs.claim(db, name="billing", holder=f"w{n}", lease=timedelta(minutes=5)):
                winners.append(f"w{n}")
            db.commit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    tomorrow = utcnow() + timedelta(days=1)
    with Session(engine) as db:
        job_runs.finish(db, name="billing", holder=winners[0], ok=True, summary="2 done", next_scheduled=tomorrow)
        db.commit()
        # the same occurrence fired a moment later on another worker: not due any more
        assert not job_runs.claim(db, name="billing", holder="late", lease=timedelta(minutes=5))


def test_a_failed_job_is_retried_with_back_off_then_waits_for_its_schedule(db: Session) -> None:
    now = utcnow()
    tomorrow = now + timedelta(days=1)
    for attempt in range(1, job_runs.MAX_RETRIES + 2):
        assert job_runs.claim(db, name="autopay", holder="w", lease=timedelta(minutes=5), now=now)
        state = job_runs.finish(db, name="autopay", holder="w", ok=False, summary="boom", next_scheduled=tomorrow,
                                now=now)
        db.commit()
        if attempt <= job_runs.MAX_RETRIES:
            assert state.next_run_at == now + job_runs.retry_delay(attempt)
            now = state.next_run_at
        else:
            assert state.next_run_at == tomorrow and state.failures_in_row == job_runs.MAX_RETRIES + 1
    admin = _admin(db)
    [row] = [r for r in job_runs.job_rows(db, principal=admin) if r.name == "autopay"]
    assert row.last_outcome == "failed" and row.last_summary == "boom"


def test_cleanup_removes_what_served_its_purpose(db: Session) -> None:
    now = utcnow()
    old = now - timedelta(days=120)
    db.add(AuthToken(purpose="reset", token_hash="a" * 64, expires_at=now - timedelta(days=2)))
    db.add(AuthToken(purpose="reset", token_hash="b" * 64, expires_at=now + timedelta(hours=1)))
    db.add(OutboxMail(to_address="x@example.com", subject="Old", body_text="secret link", sent_at=old, created_at=old))
    db.add(OutboxMail(to_address="x@example.com", subject="New", body_text="fresh link"))
    db.commit()
    report = cleanup.run_cleanup(db, now=now)
    db.commit()
    assert (report.tokens, report.mail_bodies) == (1, 1)
    assert [m.body_text for m in db.exec(select(OutboxMail).order_by(OutboxMail.id))] == [cleanup.SENT_BODY_GONE,
                                                                                          "fresh link"]
    assert cleanup.run_cleanup(db, now=now).mail_bodies == 0


def test_the_worker_runs_a_job_once_and_records_it(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                   db: Session) -> None:
    point_app_at(monkeypatch, database_url)
    try:
        from portal_app.jobs import worker

        assert "removed" in worker.run_job("cleanup")
        assert worker.run_job("cleanup") == ""  # not due again until its next time
    finally:
        reset_app_engine()
    state = db.get(JobState, "cleanup")
    assert state.last_outcome == "ok" and state.next_run_at > utcnow() + dt.timedelta(minutes=1)


def test_card_expiry_reminders_are_a_scheduled_job_staff_can_see(app_db: str, monkeypatch: pytest.MonkeyPatch,
                                                                db: Session, capsys: pytest.CaptureFixture) -> None:
    from factories import call
    from test_access_states import _staff_cookie
    from test_states import page_state

    from portal_app.jobs import worker
    from portal_app.state.staff_jobs import StaffJobsState

    assert "expir" not in job_runs.JOBS["autopay"][0].lower()  # AutoPay no longer sends them
    assert "0 done" in worker.run_job("expiry_reminders")
    assert worker.run_job("expiry_reminders") == ""  # not due again until tomorrow 9:00
    assert main(["expiry-reminders"]) == 0  # the command line runs it now
    assert "expiry-reminders: 0 done" in capsys.readouterr().out
    db.expire_all()
    assert db.get(JobState, "expiry_reminders").last_outcome == "ok"

    jobs_page = page_state(StaffJobsState, "/staff/jobs", cookie=_staff_cookie(db))
    call(StaffJobsState.load, jobs_page)
    [row] = [r for r in jobs_page.rows if r["name"] == "expiry_reminders"]
    assert (row["title"], row["schedule"], row["status"]) == ("Card-expiry reminders (AutoPay cards)",
                                                              "daily at 9:00", "Succeeded")


# --- import ---------------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "import"


def _samples() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8-sig") for p in SAMPLES.glob("*.csv")}


def test_the_sample_files_dry_run_apply_and_again_change_nothing(db: Session) -> None:
    admin = _admin(db)
    files = _samples()
    assert set(files) == set(importer.KINDS)
    dry = importer.run_import(db, principal=admin, files=files, apply=False)
    db.commit()
    assert dry.ok and not dry.applied
    assert db.exec(select(Account).where(Account.account_number == "700100001")).first() is None
    total_rows = sum(len(text.strip().splitlines()) - 1 for text in files.values())
    assert len(dry.rows) == total_rows and {r.outcome for r in dry.rows} == {importer.CREATE}
    done = importer.run_import(db, principal=admin, files=files, apply=True)
    db.commit()
    assert done.applied
    rosa = db.exec(select(Account).where(Account.account_number == "700100001")).one()
    assert billing.balance_cents(db, account_id=rosa.id) == 5_500  # October paid, November open
    ben = db.exec(select(Account).where(Account.account_number == "700100002")).one()
    assert billing.balance_cents(db, account_id=ben.id) == 8_050
    assert db.exec(select(AccountHistory).where(AccountHistory.account_id == rosa.id,
                                                AccountHistory.kind == "import")).first() is not None
    again = importer.run_import(db, principal=admin, files=files, apply=True)
    assert {r.outcome for r in again.rows} == {importer.SAME}
    changed = dict(files, accounts=files["accounts"].replace("Whitaker", "Whitaker-Lee"))
    report = importer.run_import(db, principal=admin, files=changed, apply=False)
    assert [(r.kind, r.row, r.outcome) for r in report.rows if r.outcome != importer.SAME] == [("accounts", 3, "change")]


def test_a_refused_row_stops_the_whole_apply_and_says_where_and_why(db: Session) -> None:
    admin = _admin(db)
    files = _samples()
    files["contacts"] += "700100002,C-9,Owner,Bad,Phone,,12\n"
    files["payments"] += "799999999,P-1,2026-10-01,10.00,card,Visa,\n"
    files["invoice_lines"] += "IMP-2026-11-0003,2,Extra,1.00\n"
    report = importer.run_import(db, principal=admin, files=files, apply=True)
    db.commit()
    assert not report.applied and not report.ok
    refused = {(r.kind, r.row): r.reason for r in report.refused}
    assert "is not a valid phone number" in refused[("contacts", 5)]
    assert "neither in the portal nor in accounts.csv" in refused[("payments", 3)]
    assert "lines add up to 130.00, not the total 129.00" in refused[("invoices", 5)]
    assert db.exec(select(Account).where(Account.account_number == "700100001")).first() is None  # nothing written
    assert "REFUSED" in report.summary()


def test_an_upload_batch_is_the_uploaders_and_applies(db: Session) -> None:
    admin = _admin(db)
    batch = importer.stage_upload(db, principal=admin, files={k + ".csv": v.encode() for k, v in _samples().items()})
    db.commit()
    names, report = importer.run_batch(db, principal=admin, batch_id=batch, apply=True)
    db.commit()
    assert report.applied and "accounts.csv" in names
    other = staff_users.create_admin(db, username="other", email="o@example.com", full_name="Other", password=PASSWORD)
    with pytest.raises(NotFound):
        importer.run_batch(db, principal=staff_auth.staff_principal(other), batch_id=batch, apply=False)
    with pytest.raises(FieldErrors):
        importer.stage_upload(db, principal=admin, files={"people.csv": b"x"})


def test_every_provider_setting_is_on_the_settings_page() -> None:
    """A new ProviderSettings column reaches admins: Settings lists every one of them."""
    from portal_app.models import ProviderSettings
    from portal_app.services.staff.settings_admin import SWITCHES

    columns = set(ProviderSettings.model_fields) - {"id"}
    assert columns - {switch.name for switch in SWITCHES} == set()


def test_an_imported_suspended_subscriber_is_suspended_for_non_payment_and_active_lifts_it(db: Session) -> None:
    admin = _admin(db)
    files = _samples()
    suspended = dict(files, accounts=files["accounts"].replace("78704,78704,,active", "78704,78704,,suspended"))
    assert importer.run_import(db, principal=admin, files=suspended, apply=True).applied
    db.commit()
    ben = db.exec(select(Account).where(Account.account_number == "700100002")).one()
    rosa = db.exec(select(Account).where(Account.account_number == "700100001")).one()
    assert (ben.status, ben.service_status) == ("active", "suspended_nonpayment")  # open: he can pay and be restored
    assert ben.service_status_reason == importer.IMPORTED_SUSPENDED and ben.service_status_changed_at is not None
    assert (rosa.status, rosa.service_status) == ("active", "active")
    [entry] = db.exec(select(AccountHistory).where(AccountHistory.account_id == ben.id,
                                                   AccountHistory.kind == "service")).all()
    assert entry.action == "suspended" and "imported" in entry.summary
    # The file again changes nothing; `active` lifts the suspension (with its history).
    assert {r.outcome for r in importer.run_import(db, principal=admin, files=suspended, apply=False).rows} \
        == {importer.SAME}
    db.rollback()
    assert importer.run_import(db, principal=admin, files=files, apply=True).applied
    db.commit()
    db.expire_all()
    assert db.get(Account, ben.id).service_status == "active"
    assert [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == ben.id, AccountHistory.kind == "service").order_by(AccountHistory.id))] \
        == ["suspended", "restored"]
