"""Mail goes out over real SMTP (aiosmtpd) from the outbox, via the deliver-mail job, with retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from factories import make_account, point_app_at, reset_app_engine
from smtp_sink import SmtpSink, link_in
from sqlmodel import Session, select

from portal_app.__main__ import main
from portal_app.integrations.mail import MAX_ATTEMPTS, BadRecipient, deliver_pending, enqueue_mail
from portal_app.models import OutboxMail, utcnow
from portal_app.services.identity import portal_users


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def test_deliver_mail_job_sends_the_verification_link(database_url: str, db: Session, smtp: SmtpSink, monkeypatch, capsys) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    point_app_at(monkeypatch, database_url, PORTAL_SMTP_URL=smtp.url, PORTAL_MAIL_FROM="portal@isp.example")
    try:
        assert main(["deliver-mail"]) == 0
    finally:
        reset_app_engine()
    assert "Mail sent: 1." in capsys.readouterr().out
    [message] = smtp.wait_for("newbie@mail.example")
    assert "Verify your email" in message["Subject"] and "portal@isp.example" in message["From"]
    assert link_in(message).startswith("/verify?token=")
    db.expire_all()
    assert db.exec(select(OutboxMail)).one().sent_at is not None


def test_without_smtp_the_mail_stays_in_the_outbox_and_is_logged(db: Session, caplog) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    with caplog.at_level("INFO", logger="portal.mail"):
        assert deliver_pending(db, smtp_url="", sender_name="ISP", sender_address="p@isp.example").sent == 0
    assert "/verify?token=" in caplog.text
    assert db.exec(select(OutboxMail)).one().sent_at is None
    caplog.clear()
    with caplog.at_level("INFO", logger="portal.mail"):
        deliver_pending(db, smtp_url="", sender_name="ISP", sender_address="p@isp.example")
    assert "/verify?token=" not in caplog.text  # printed once, not on every run


def test_mail_kept_without_smtp_goes_out_once_smtp_is_set(db: Session, smtp: SmtpSink) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    deliver_pending(db, smtp_url="", sender_name="ISP", sender_address="p@isp.example")
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example").sent == 1
    assert len(smtp.wait_for("newbie@mail.example")) == 1


def test_a_refused_connection_is_retried_later_then_delivered(db: Session, smtp: SmtpSink) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    down = SmtpSink()  # never started: nothing listens on its port
    assert deliver_pending(db, smtp_url=down.url, sender_name="ISP", sender_address="p@isp.example").sent == 0
    mail = db.exec(select(OutboxMail)).one()
    assert mail.attempts == 1 and mail.sent_at is None and mail.next_attempt_at > utcnow()
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example").sent == 0  # not due yet
    later = utcnow() + timedelta(minutes=3)
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example", now=later).sent == 1
    assert len(smtp.wait_for("newbie@mail.example")) == 1


def test_two_delivery_workers_never_send_the_same_mail(engine, db: Session, smtp: SmtpSink, monkeypatch) -> None:
    import portal_app.integrations.mail as mail_module

    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    real_lease = mail_module.lease_outbox_row

    def rival_claims_first(session: Session, mail: OutboxMail, *conditions, now, lease) -> bool:
        # Another worker, on its own connection, leases the row between our read and our claim.
        with Session(engine) as rival:
            assert real_lease(rival, rival.get(OutboxMail, mail.id), *conditions, now=now, lease=lease)
        return real_lease(session, mail, *conditions, now=now, lease=lease)

    monkeypatch.setattr(mail_module, "lease_outbox_row", rival_claims_first)
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example").sent == 0
    monkeypatch.setattr(mail_module, "lease_outbox_row", real_lease)
    leased = db.exec(select(OutboxMail)).one()
    db.refresh(leased)
    assert leased.sent_at is None and leased.next_attempt_at > utcnow()  # held by the rival's lease
    assert smtp.messages == []


# --- one bad mail never stops the others --------------------------------------------------------------


@pytest.mark.parametrize("address", ["victim@mail.example\r\nBcc: all@mail.example", "not an address", "a@b\nc.example", ""])
def test_enqueue_refuses_an_address_that_cannot_be_a_header(db: Session, address: str) -> None:
    with pytest.raises(BadRecipient):
        enqueue_mail(db, to=address, subject="Receipt", body="Thanks")


def test_enqueue_turns_line_breaks_in_the_subject_into_spaces(db: Session) -> None:
    mail = enqueue_mail(db, to=" Someone@Mail.example ", subject="Router\r\nBcc: all@mail.example\x85down",
                        body="text", attachment=("visit\r\n.ics", "text/calendar", "BEGIN:VCALENDAR"))
    assert mail.subject == "Router Bcc: all@mail.example down" and mail.attachment_name == "visit .ics"
    assert mail.to_address == "Someone@mail.example"


def _raw_row(db: Session, to: str, subject: str = "Hello") -> OutboxMail:
    """A row written straight to the table (e.g. before enqueue checked headers)."""
    mail = OutboxMail(to_address=to, subject=subject, body_text="body")
    db.add(mail)
    db.commit()
    return mail


def test_a_message_that_cannot_be_built_is_marked_dead_and_the_run_goes_on(db: Session, smtp: SmtpSink) -> None:
    bad = _raw_row(db, "victim@mail.example\r\nBcc: all@mail.example")
    old_subject = _raw_row(db, "first@mail.example", subject="Ticket\r\nBcc: all@mail.example")
    good = _raw_row(db, "second@mail.example")
    report = deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example")
    assert (report.sent, report.failed, report.dead, report.server_errors) == (2, 1, 1, 0)
    assert len(smtp.wait_for("second@mail.example")) == 1
    assert smtp.wait_for("first@mail.example")[0]["Subject"] == "Ticket Bcc: all@mail.example"
    for row in (bad, old_subject, good):
        db.refresh(row)
    assert bad.sent_at is None and bad.attempts == MAX_ATTEMPTS and "ValueError" in bad.last_error
    later = utcnow() + timedelta(days=2)
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example", now=later).failed == 0


def test_any_error_while_sending_marks_that_message_and_the_next_one_still_goes(db: Session, smtp: SmtpSink,
                                                                                monkeypatch) -> None:
    import portal_app.integrations.mail as mail_module

    first = _raw_row(db, "first@mail.example")
    _raw_row(db, "second@mail.example")
    real_send = mail_module._send

    def send(settings, message):
        if message["To"] == "first@mail.example":
            raise UnicodeEncodeError("ascii", "é", 0, 1, "the server wanted ASCII")
        real_send(settings, message)

    monkeypatch.setattr(mail_module, "_send", send)
    report = deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example")
    assert (report.sent, report.failed) == (1, 1)
    db.refresh(first)
    assert first.attempts == 1 and first.sent_at is None and "UnicodeEncodeError" in first.last_error
    assert first.next_attempt_at > utcnow()


def test_a_message_failing_every_time_is_dead_after_max_attempts(db: Session) -> None:
    mail = _raw_row(db, "first@mail.example")
    down = SmtpSink()  # nothing listens
    when = utcnow()
    for _ in range(MAX_ATTEMPTS):
        when += timedelta(days=1)
        deliver_pending(db, smtp_url=down.url, sender_name="ISP", sender_address="p@isp.example", now=when)
    db.refresh(mail)
    assert mail.attempts == MAX_ATTEMPTS and mail.sent_at is None
    report = deliver_pending(db, smtp_url=down.url, sender_name="ISP", sender_address="p@isp.example",
                             now=when + timedelta(days=30))
    assert report.failed == 0  # dead: not tried again


def test_deliver_mail_prints_failures_and_exits_non_zero_when_the_server_fails(database_url: str, db: Session,
                                                                                monkeypatch, capsys, caplog) -> None:
    _raw_row(db, "first@mail.example")
    _raw_row(db, "second@mail.example")
    down = SmtpSink()
    point_app_at(monkeypatch, database_url, PORTAL_SMTP_URL=down.url, PORTAL_MAIL_FROM="portal@isp.example")
    try:
        with caplog.at_level("WARNING", logger="portal.mail"):
            assert main(["deliver-mail"]) == 1
    finally:
        reset_app_engine()
    out = capsys.readouterr().out
    assert "Mail sent: 0. Failed: 2" in out
    assert out.count("not delivered: mail") == 2 and "first@mail.example" in out and "Connection" in out
    assert "first@mail.example" in caplog.text


def test_a_delivery_worker_keeps_running_after_a_failed_pass(database_url: str, monkeypatch, capsys) -> None:
    import time

    import portal_app.integrations.mail as mail_module

    passes: list[int] = []

    def flaky(db, **kwargs):
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("database went away")
        return mail_module.DeliveryReport(sent=1)

    class Stop(Exception):
        pass

    def sleep(seconds):
        if len(passes) >= 2:
            raise Stop

    monkeypatch.setattr(mail_module, "deliver_pending", flaky)
    monkeypatch.setattr(time, "sleep", sleep)
    point_app_at(monkeypatch, database_url, PORTAL_SMTP_URL="smtp+plain://127.0.0.1:1")
    try:
        with pytest.raises(Stop):
            main(["deliver-mail", "--every", "1"])
    finally:
        reset_app_engine()
    assert len(passes) == 2 and "Mail sent: 1." in capsys.readouterr().out


def test_a_quick_pay_receipt_address_with_a_line_break_gets_a_field_message(db: Session) -> None:
    from factories import make_invoice, make_subscriber

    from portal_app.integrations.payments.sandbox import SandboxGateway
    from portal_app.models import Payment
    from portal_app.services.billing import payments
    from portal_app.services.core.errors import FieldErrors
    from portal_app.integrations.payments import CardDetails
    from portal_app.services.billing.payments import NewCard

    sub = make_subscriber(db)
    make_invoice(db, sub.account, 5000)
    db.commit()
    card = CardDetails(number="4242424242424242", exp_month=12, exp_year=2031, cvc="123")
    with pytest.raises(FieldErrors) as refused:
        payments.pay(db, principal=sub.principal, amount_cents=5000, method=NewCard(card), attempt_key="qp1",
                     receipt_email="me@mail.example\r\nBcc: all@mail.example", source="quickpay",
                     gateway=SandboxGateway())
    assert set(refused.value.errors) == {"email"}
    assert db.exec(select(Payment)).all() == [] and db.exec(select(OutboxMail)).all() == []


def test_staff_see_undelivered_mail_with_its_reason_and_can_send_it_again(db: Session, smtp: SmtpSink) -> None:
    from factories import make_subscriber

    from portal_app.models import AccountHistory, StaffUser
    from portal_app.services.core import outbox
    from portal_app.services.selfservice.contacts import StaffOnly
    from portal_app.services.core.principal import Principal

    subscriber = make_subscriber(db)
    staff_user = StaffUser(username="agent", email="agent@isp.example", full_name="Sam Agent", password_hash="x")
    db.add(staff_user)
    db.commit()
    staff = Principal(kind="staff", display_name="Sam Agent", staff_user_id=staff_user.id)
    enqueue_mail(db, to="bill@mail.example", subject="Your bill", body="b", account_id=subscriber.account.id)
    db.commit()
    deliver_pending(db, smtp_url=SmtpSink().url, sender_name="ISP", sender_address="p@isp.example")
    with pytest.raises(StaffOnly):
        outbox.failed_mail(db, principal=subscriber.principal)
    [failed] = outbox.failed_mail(db, principal=staff)
    assert (failed.to_address, failed.subject, failed.attempts, failed.dead) == ("bill@mail.example", "Your bill", 1, False)
    assert failed.account_number == subscriber.account.account_number and "Connection" in failed.last_error
    outbox.retry_mail(db, principal=staff, mail_id=failed.id)
    db.commit()
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example").sent == 1
    assert outbox.failed_mail(db, principal=staff) == []
    assert db.exec(select(AccountHistory).where(AccountHistory.action == "mail_retried")).one()


def test_a_sent_mail_keeps_no_usable_link_token_in_the_outbox(db: Session, smtp: SmtpSink) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example")
    [message] = smtp.wait_for("newbie@mail.example")
    raw = link_in(message).split("token=")[1]
    mail = db.exec(select(OutboxMail)).one()
    db.refresh(mail)
    assert raw not in mail.body_text and "/verify?token=[redacted]" in mail.body_text
