"""Mail goes out over real SMTP (aiosmtpd) from the outbox, via the deliver-mail job, with retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from factories import make_account, point_app_at, reset_app_engine
from smtp_sink import SmtpSink, link_in
from sqlmodel import Session, select

from portal_app.__main__ import main
from portal_app.integrations.mail import deliver_pending
from portal_app.models import OutboxMail, utcnow
from portal_app.services import portal_users


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
        assert deliver_pending(db, smtp_url="", sender_name="ISP", sender_address="p@isp.example") == 0
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
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example") == 1
    assert len(smtp.wait_for("newbie@mail.example")) == 1


def test_a_refused_connection_is_retried_later_then_delivered(db: Session, smtp: SmtpSink) -> None:
    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    down = SmtpSink()  # never started: nothing listens on its port
    assert deliver_pending(db, smtp_url=down.url, sender_name="ISP", sender_address="p@isp.example") == 0
    mail = db.exec(select(OutboxMail)).one()
    assert mail.attempts == 1 and mail.sent_at is None and mail.next_attempt_at > utcnow()
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example") == 0  # not due yet
    later = utcnow() + timedelta(minutes=3)
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example", now=later) == 1
    assert len(smtp.wait_for("newbie@mail.example")) == 1


def test_two_delivery_workers_never_send_the_same_mail(engine, db: Session, smtp: SmtpSink, monkeypatch) -> None:
    import portal_app.integrations.mail as mail_module

    account = make_account(db)
    portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    real_claim = mail_module._claim

    def rival_claims_first(session: Session, mail: OutboxMail, now) -> bool:
        # Another worker, on its own connection, leases the row between our read and our claim.
        with Session(engine) as rival:
            assert real_claim(rival, rival.get(OutboxMail, mail.id), now)
        return real_claim(session, mail, now)

    monkeypatch.setattr(mail_module, "_claim", rival_claims_first)
    assert deliver_pending(db, smtp_url=smtp.url, sender_name="ISP", sender_address="p@isp.example") == 0
    monkeypatch.setattr(mail_module, "_claim", real_claim)
    leased = db.exec(select(OutboxMail)).one()
    db.refresh(leased)
    assert leased.sent_at is None and leased.next_attempt_at > utcnow()  # held by the rival's lease
    assert smtp.messages == []
