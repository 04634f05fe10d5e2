"""The notification service: channel choices (required email stays on), paperless, quiet hours in the
provider's zone, de-duplication, one transaction with the cause, AutoPay-aware bill wording, templates
(plain text and escaped HTML), and what the subscriber and staff see of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from factories import call, make_invoice, make_payment, make_subscriber
from sqlmodel import Session, select
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.config import get_settings
from portal_app.jobs import billing_jobs, notify_jobs
from portal_app.models import (
    AccountHistory,
    AccountService,
    Notification,
    NotificationChoice,
    NotificationSettings,
    OutboxMail,
    OutboxSms,
    PaymentMethod,
    RecurringPayment,
    ServiceArea,
    utcnow,
)
from portal_app.services.billing import notices
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.principal import Principal
from portal_app.services.core import i18n
from portal_app.services.notify import log, preferences, render
from portal_app.services.notify.events import EVENTS
from portal_app.services.notify.send import quiet_until, send
from portal_app.services.selfservice import tickets
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

TODAY = dt.date(2026, 3, 14)
CENTRAL = ZoneInfo("America/Chicago")
STAFF = Principal(kind="staff", display_name="Sam Staff", staff_user_id=1, staff_role="admin")


@pytest.fixture
def texts_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Texts configured (the fake's credentials; nothing is sent by these tests)."""
    for key, value in {"PORTAL_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PORTAL_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "PORTAL_TWILIO_FROM_NUMBER": FROM_NUMBER}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _texting(db: Session, account_id: int, phone: str = "+15125550123", **fields) -> NotificationSettings:
    row = NotificationSettings(account_id=account_id, sms_phone=phone, sms_verified_at=utcnow(), **fields)
    db.add(row)
    db.flush()
    return row


def _choices(db: Session, sub) -> dict[str, tuple[bool, bool]]:
    return {row.key: (row.email, row.sms) for row in preferences.preferences(db, principal=sub.principal).rows}


def _noon(day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=CENTRAL).astimezone(dt.UTC)


# --- choices ---------------------------------------------------------------------------------


def test_defaults_then_changes_are_kept_with_required_email_always_on(db: Session) -> None:
    sub = make_subscriber(db)
    assert _choices(db, sub)["ticket_update"] == (True, False)
    assert _choices(db, sub)["outage"] == (True, True)
    every_email_off = {event.key: (False, False) for event in EVENTS}
    said = preferences.save_preferences(db, principal=sub.principal, choices=every_email_off, paperless=True,
                                        quiet_hours=True, quiet_start="21:00", quiet_end="08:00")
    db.commit()
    after = _choices(db, sub)
    required = {"payment_receipt", "payment_problem", "service_status", "promise", "security",
                "bill_ready"}  # bill_ready: paperless is on
    assert {key for key, (email, _) in after.items() if email} == required
    assert "Ticket replies: email off" in said
    # Only what differs from the defaults is stored, and the change is in the account history.
    stored = {c.event for c in db.exec(select(NotificationChoice).where(NotificationChoice.account_id == sub.account.id))}
    assert "ticket_update" in stored and "payment_receipt" not in stored
    entry = db.exec(select(AccountHistory).where(AccountHistory.action == "choices_changed")).one()
    assert entry.account_id == sub.account.id and "Ticket replies: email off" in entry.summary
    # Paper bills: the bill comes by post and is not emailed at all (there is no email to choose).
    preferences.save_preferences(db, principal=sub.principal, choices=_choices(db, sub), paperless=False,
                                 quiet_hours=True, quiet_start="21:00", quiet_end="08:00")
    db.commit()
    bill = next(r for r in preferences.preferences(db, principal=sub.principal).rows if r.key == "bill_ready")
    assert (bill.email, bill.email_offered, bill.email_required) == (False, False, False)
    assert db.get(type(sub.account), sub.account.id).paperless is False
    assert "bill_ready" not in {c.event for c in db.exec(select(NotificationChoice))}  # nothing to keep for it


def test_quiet_hours_must_be_a_listed_time_and_not_empty(db: Session) -> None:
    sub = make_subscriber(db)
    defaults = _choices(db, sub)
    with pytest.raises(FieldErrors) as refused:
        preferences.save_preferences(db, principal=sub.principal, choices=defaults, paperless=True, quiet_hours=True,
                                     quiet_start="21:17", quiet_end="08:00")
    assert "quiet_start" in refused.value.errors
    with pytest.raises(FieldErrors) as refused:
        preferences.save_preferences(db, principal=sub.principal, choices=defaults, paperless=True, quiet_hours=True,
                                     quiet_start="08:00", quiet_end="08:00")
    assert "quiet_end" in refused.value.errors


def test_quiet_hours_hold_texts_until_they_end_in_the_providers_zone() -> None:
    night = (21 * 60, 8 * 60)
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=CENTRAL)
    assert quiet_until(night, late) == dt.datetime(2026, 3, 15, 8, 0, tzinfo=CENTRAL)  # next morning, DST began
    early = dt.datetime(2026, 3, 15, 6, 0, tzinfo=CENTRAL)
    assert quiet_until(night, early) == dt.datetime(2026, 3, 15, 8, 0, tzinfo=CENTRAL)
    assert quiet_until(night, dt.datetime(2026, 3, 15, 8, 0, tzinfo=CENTRAL)) is None
    assert quiet_until(None, late) is None
    lunch = (12 * 60, 13 * 60)
    assert quiet_until(lunch, dt.datetime(2026, 3, 15, 12, 30, tzinfo=CENTRAL)) == dt.datetime(
        2026, 3, 15, 13, 0, tzinfo=CENTRAL)


# --- sending ---------------------------------------------------------------------------------


def _ticket_note(db: Session, sub, body: str = "We replaced the port.") -> list[Notification]:
    from portal_app.models import Ticket

    now = utcnow()
    ticket = Ticket(account_id=sub.account.id, number=f"T-{sub.account.id}", subject="Slow <evenings>", opened_at=now,
                    updated_at=now)
    db.add(ticket)
    db.flush()
    tickets.staff_add_note(db, principal=STAFF, ticket_id=ticket.id, body=body, public=True)
    db.commit()
    return list(db.exec(select(Notification).where(Notification.account_id == sub.account.id)))


def test_a_notification_uses_only_the_chosen_channels(db: Session, texts_on) -> None:
    sub = make_subscriber(db)
    _texting(db, sub.account.id, quiet_hours=False)
    choices = _choices(db, sub) | {"ticket_update": (False, True)}
    preferences.save_preferences(db, principal=sub.principal, choices=choices, paperless=True, quiet_hours=False,
                                 quiet_start="21:00", quiet_end="08:00")
    [sent] = _ticket_note(db, sub)
    assert (sent.channel, sent.event, sent.to_address) == ("sms", "ticket_update", "+15125550123")
    assert db.exec(select(OutboxMail)).all() == []
    text = db.get(OutboxSms, sent.outbox_sms_id)
    assert text.body.startswith("Lumen: we answered your ticket") and text.next_attempt_at <= utcnow()


def test_texts_only_when_configured_and_the_number_is_verified_and_not_stopped(db: Session, monkeypatch) -> None:
    sub = make_subscriber(db)
    settings = _texting(db, sub.account.id)
    db.commit()
    assert {n.channel for n in _ticket_note_with(db, sub, "1")} == {"email"}  # texts are off in this deployment
    for key, value in {"PORTAL_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PORTAL_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "PORTAL_TWILIO_FROM_NUMBER": FROM_NUMBER}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        preferences.save_preferences(db, principal=sub.principal, choices=_choices(db, sub) | {"ticket_update": (True, True)},
                                     paperless=True, quiet_hours=False, quiet_start="21:00", quiet_end="08:00")
        assert {n.channel for n in _ticket_note_with(db, sub, "2")} == {"email", "sms"}
        settings.sms_opted_out_at = utcnow()  # replied STOP
        db.add(settings)
        db.commit()
        assert {n.channel for n in _ticket_note_with(db, sub, "3")} == {"email"}
    finally:
        get_settings.cache_clear()


def _ticket_note_with(db: Session, sub, tag: str) -> list[Notification]:
    from portal_app.models import Ticket

    now = utcnow()
    ticket = Ticket(account_id=sub.account.id, number=f"T-{sub.account.id}-{tag}", subject="Router", opened_at=now,
                    updated_at=now)
    db.add(ticket)
    db.flush()
    note = tickets.staff_add_note(db, principal=STAFF, ticket_id=ticket.id, body="Done.", public=True)
    db.commit()
    return list(db.exec(select(Notification).where(Notification.dedupe_key == f"ticket_note:{note.id}")))


def test_a_text_in_quiet_hours_waits_for_the_morning(db: Session, texts_on) -> None:
    sub = make_subscriber(db)
    _texting(db, sub.account.id)  # quiet hours on by default: 21:00-08:00
    tomorrow = utcnow().astimezone(CENTRAL).date() + dt.timedelta(days=1)
    night = dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 23, 15, tzinfo=CENTRAL)
    send(db, account_id=sub.account.id, event="outage", template="outage", key="test:quiet", now=night,
         context={"stage": "posted", "kind": "outage", "title": "Fiber cut", "details": "", "starts_at": night,
                  "expected_end_at": None, "restored_at": None, "update": "", "sms_title": "Fiber cut", "sms_update": ""})
    db.commit()
    text = db.exec(select(OutboxSms)).one()
    after = tomorrow + dt.timedelta(days=1)
    assert text.next_attempt_at == dt.datetime(after.year, after.month, after.day, 8, 0, tzinfo=CENTRAL)
    mail = db.exec(select(OutboxMail)).one()  # email is never held
    assert mail.next_attempt_at <= utcnow()
    [row] = [r for r in log.sent_to_me(db, principal=sub.principal) if r.channel == "Text"]
    assert row.status == "Held until 8:00 AM (quiet hours)"


def test_the_same_cause_reaches_an_account_once_per_channel(db: Session) -> None:
    sub = make_subscriber(db)
    invoice = make_invoice(db, sub.account, 7245, due_on=TODAY + dt.timedelta(days=7))
    for _ in range(3):
        notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)  # twice in one transaction too
    db.commit()
    notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)
    db.commit()
    assert len(db.exec(select(OutboxMail)).all()) == 1
    assert len(db.exec(select(Notification)).all()) == 1


def test_nothing_is_sent_when_the_cause_rolls_back(db: Session) -> None:
    sub = make_subscriber(db)
    invoice = make_invoice(db, sub.account, 7245)
    db.commit()
    notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)
    db.rollback()
    assert db.exec(select(OutboxMail)).all() == [] and db.exec(select(Notification)).all() == []


# --- words: AutoPay-aware, templates ----------------------------------------------------------


def _autopay(db: Session, sub, *, failures: int = 0) -> PaymentMethod:
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok",
                           brand="Visa", last4="4242", exp_month=8, exp_year=2030)
    db.add(method)
    db.flush()
    db.add(RecurringPayment(account_id=sub.account.id, payment_method_id=method.id, consecutive_failures=failures))
    db.flush()
    return method


def test_the_billing_run_tells_an_autopay_account_there_is_nothing_to_do(db: Session) -> None:
    plain, autopay = make_subscriber(db), make_subscriber(db)
    _autopay(db, autopay)
    for sub in (plain, autopay):
        db.add(AccountService(account_id=sub.account.id, name="Fiber 1 Gig", billable=True, monthly_price_cents=7000))
    db.commit()
    billing_jobs.billing_run(db, today=TODAY)
    mails = {m.account_id: m for m in db.exec(select(OutboxMail))}
    auto, other = mails[autopay.account.id], mails[plain.account.id]
    assert "Nothing to do: AutoPay will charge Visa •••• 4242 $70.00 on Mar 21, 2026." in auto.body_text
    assert "nothing to do" in auto.subject and "/quickpay" not in auto.body_text
    assert not any(words in auto.body_text.lower() for words in ("please pay", "pay it", "pay now", "is due"))
    assert "Nothing to do: AutoPay will charge Visa •••• 4242 $70.00 on Mar 21, 2026." in auto.body_html
    assert "It is due on Mar 21, 2026." in other.body_text and "/quickpay?t=" in other.body_text
    assert "Pay now" in other.body_html and "Nothing to do" not in other.body_html


def test_a_paper_bill_is_not_emailed_but_a_chosen_text_says_it_is_ready(db: Session, texts_on) -> None:
    paper, paper_texting = make_subscriber(db, paperless=False), make_subscriber(db, paperless=False)
    _texting(db, paper_texting.account.id, quiet_hours=False)
    db.add(NotificationChoice(account_id=paper_texting.account.id, event="bill_ready", email=True, sms=True))
    for sub in (paper, paper_texting):
        db.add(AccountService(account_id=sub.account.id, name="Fiber 1 Gig", billable=True, monthly_price_cents=7000))
    db.commit()
    billing_jobs.billing_run(db, today=TODAY)
    assert db.exec(select(OutboxMail)).all() == []  # both bills go by post
    [text] = db.exec(select(OutboxSms)).all()
    assert text.account_id == paper_texting.account.id and text.body.startswith("Lumen: your bill is $70.00, due")


def test_autopay_that_gave_up_is_not_promised(db: Session) -> None:
    sub = make_subscriber(db)
    _autopay(db, sub, failures=3)  # the provider's autopay_max_retries
    invoice = make_invoice(db, sub.account, 7000, due_on=TODAY + dt.timedelta(days=7))
    notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)
    mail = db.exec(select(OutboxMail)).one()
    assert "AutoPay" not in mail.body_text and "/quickpay?t=" in mail.body_text


def test_reminders_before_the_due_date_once_per_bill_autopay_aware(db: Session) -> None:
    plain, autopay, paid = make_subscriber(db), make_subscriber(db), make_subscriber(db)
    _autopay(db, autopay)
    due = TODAY + dt.timedelta(days=3)
    for sub in (plain, autopay, paid):
        make_invoice(db, sub.account, 5000, due_on=due, status="paid" if sub is paid else "open")
    make_invoice(db, plain.account, 1000, due_on=TODAY + dt.timedelta(days=20))  # not due soon: no reminder of it
    db.commit()
    first = notify_jobs.bill_reminders(db, today=TODAY)
    again = notify_jobs.bill_reminders(db, today=TODAY + dt.timedelta(days=1))
    assert first.done == 2 and again.done == 2  # the job ran, but nobody is told twice:
    mails = {m.account_id: m for m in db.exec(select(OutboxMail))}
    assert set(mails) == {plain.account.id, autopay.account.id} and len(db.exec(select(OutboxMail)).all()) == 2
    assert mails[autopay.account.id].subject == "Lumen Fiber: AutoPay pays your bill on Mar 17, 2026, nothing to do"
    assert "Nothing to do: AutoPay will charge Visa •••• 4242 $50.00 on Mar 17, 2026." in mails[autopay.account.id].body_text
    assert "$60.00 is due on Mar 17, 2026." in mails[plain.account.id].body_text
    assert "/quickpay?t=" in mails[plain.account.id].body_text


def test_a_failed_autopay_says_what_happens_next_and_what_to_do(db: Session) -> None:
    from portal_app.integrations.payments.sandbox import SandboxGateway

    sub = make_subscriber(db)
    method = _autopay(db, sub)
    method.gateway_token = "pm_sandbox_chargefail_x"
    make_invoice(db, sub.account, 8000, due_on=dt.date(2026, 3, 21))
    db.commit()
    billing_jobs.autopay_run(db, today=dt.date(2026, 3, 21), gateway=SandboxGateway())
    [mail] = db.exec(select(OutboxMail)).all()
    assert "We will try again on Mar 22, 2026." in mail.body_text
    assert "/pay" in mail.body_text and "/autopay" in mail.body_text
    for day in (22, 23):
        billing_jobs.autopay_run(db, today=dt.date(2026, 3, day), gateway=SandboxGateway())
    last = db.exec(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
    assert "We will not try again automatically. Please pay $80.00" in last.body_text
    assert db.exec(select(Notification).where(Notification.event == "payment_problem")).all()


def test_html_mail_escapes_what_people_typed_and_text_keeps_it(db: Session) -> None:
    sub = make_subscriber(db)
    _ticket_note(db, sub, body='<img src=x onerror="alert(1)"> & thanks')
    mail = db.exec(select(OutboxMail)).one()
    assert '<img src=x onerror="alert(1)"> & thanks' in mail.body_text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; thanks" in mail.body_html
    assert "Slow &lt;evenings&gt;" in mail.body_html and "<img src=x" not in mail.body_html
    assert "Lumen Fiber" in mail.body_html and "/themes/demo/logo.svg" in mail.body_html  # the provider's branding
    assert "/notifications" in mail.body_text  # not required: where to change it


def test_mail_and_texts_are_in_each_recipients_language(db: Session, texts_on) -> None:
    """The words of a bill's mail and text follow the sign-in's language; dates and money its locale too."""
    english, spanish = make_subscriber(db), make_subscriber(db)
    spanish.user.language = "es_US"
    for sub in (english, spanish):
        _texting(db, sub.account.id, quiet_hours=False)
        db.add(NotificationChoice(account_id=sub.account.id, event="bill_ready", email=True, sms=True))
        invoice = make_invoice(db, sub.account, 7000, due_on=dt.date(2026, 3, 21))
        notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)
    db.commit()
    mails = {m.account_id: m for m in db.exec(select(OutboxMail))}
    texts = {t.account_id: t.body for t in db.exec(select(OutboxSms))}
    es, en = mails[spanish.account.id], mails[english.account.id]
    assert es.subject.startswith("Su factura de Lumen Fiber T-INV-")
    assert "Su factura de marzo de 2026 es de $70.00." in es.body_text and "Vence el 21 mar 2026." in es.body_text
    assert "Páguela en un paso (el enlace vale 30 días):" in es.body_text and "/quickpay?t=" in es.body_text
    assert "Elija qué le enviamos y cómo" in es.body_text and "Choose what we send" not in es.body_text
    assert '<html lang="es">' in es.body_html and ">Pagar ahora</a>" in es.body_html and "Vence" in es.body_html
    assert texts[spanish.account.id] == "Lumen: su factura es de $70.00, vence el 21 mar 2026. Pague: http://localhost:3000/pay"
    assert en.subject.startswith("Your Lumen Fiber bill T-INV-") and "It is due on Mar 21, 2026." in en.body_text
    assert '<html lang="en">' in en.body_html and ">Pay now</a>" in en.body_html
    assert texts[english.account.id] == "Lumen: your bill is $70.00, due Mar 21, 2026. Pay: http://localhost:3000/pay"


def test_spanish_html_mail_still_escapes_what_people_typed(db: Session) -> None:
    sub = make_subscriber(db)
    sub.user.language = "es_US"
    _ticket_note(db, sub, body='<img src=x onerror="alert(1)"> & gracias')
    mail = db.exec(select(OutboxMail)).one()
    assert mail.subject == f"Novedad en su ticket T-{sub.account.id}: Slow <evenings>"
    assert "agregó una nota a su ticket" in mail.body_text and '<img src=x onerror="alert(1)"> & gracias' in mail.body_text
    # a value filled into a translated sentence is escaped, as is one printed on its own
    assert f"Lumen Fiber agregó una nota a su ticket T-{sub.account.id} (Slow &lt;evenings&gt;):" in mail.body_html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; gracias" in mail.body_html
    assert "<img src=x" not in mail.body_html and "<evenings>" not in mail.body_html


def test_a_gateways_decline_reason_reads_in_the_recipients_language(db: Session) -> None:
    from portal_app.integrations.payments.sandbox import DECLINE_REASONS

    spanish = make_subscriber(db)
    spanish.user.language = "es_US"
    payment = make_payment(db, spanish.account, 4_500, status="failed")
    notices.payment_failed(db, payment=payment, reason=DECLINE_REASONS["insufficient"])
    db.commit()
    mail = db.exec(select(OutboxMail)).one()
    assert "no se completó: Su tarjeta fue rechazada por fondos insuficientes. Pruebe otra tarjeta." in mail.body_text
    assert "Su tarjeta fue rechazada por fondos insuficientes." in mail.body_html and "declined" not in mail.body_html


def test_every_mail_reads_wholly_in_spanish_for_a_spanish_reader() -> None:
    """Each mail template, in each of its cases, has no English word left for a Spanish reader (subject, text
    and HTML): every sentence goes through the catalog."""
    import re

    day, moment = dt.date(2026, 12, 21), dt.datetime(2026, 12, 21, 15, 30, tzinfo=dt.UTC)
    base = {
        "locale": "es_US", "account_number": "100200300", "action": i18n._("Open this link to confirm it."),
        "amount_cents": 4500, "autopay": {"method": "Visa •••• 4242", "amount_cents": 4500, "on": day},
        "back_on": day, "balance_cents": 4500, "before": "lun, 20 dic", "button": i18n._("Accept"),
        "change": "booked", "contract_id": 7, "details": "", "due_on": day, "email": "ana@mail.example",
        "ends_on": day, "expected_end_at": moment, "expires": day, "intro": i18n._("Someone asked to reset the password of the portal sign-in '%(username)s'.", username="ana"),
        "invoice_number": "F-0042", "kind": "outage", "lifetime": i18n._("It works once and for 1 day"),
        "link": "http://127.0.0.1/x", "method_label": "Visa •••• 4242", "needs_authentication": False,
        "next_step": "Instalación", "note": i18n._("Your bank returned the payment: insufficient funds."),
        "order_done": False, "order_title": "Fibra 1 Giga", "otherwise": i18n._("If you did not ask for this, ignore this email."),
        "pay_link": "http://127.0.0.1/quickpay", "payer_note": "", "period_start": day, "price_cents": 1000,
        "promised_on": day, "reason": "Your card was declined by your bank. Try another card or call your bank.",
        "receipt_number": "R-1", "remove_link": "http://127.0.0.1/r", "restore_cents": 4500,
        "restore_url": "http://127.0.0.1/q", "restored": True, "restored_at": moment, "retry_on": day,
        "stage": "requested", "starts_at": moment, "starts_on": day, "state": i18n._("disconnected"),
        "status": "succeeded", "step": "Instalación", "subject": i18n._("Two-factor sign-in is on"),
        "text": i18n._("Two-factor sign-in was turned on for the portal sign-in '%(username)s'.", username="ana"),
        "ticket_number": "T-9", "ticket_subject": "Lento", "title": "Corte de fibra", "update": "Ya casi.", "total_cents": 4500,
        "variant": "refunded",
        "username": "ana", "when": "mar, 21 dic, 9:30 a.m.",
    }
    cases = [{}, {"autopay": None}, {"autopay": None, "balance_cents": -100}, {"autopay": None, "balance_cents": 9000},
             {"retry_on": None, "needs_authentication": True}, {"amount_cents": 0}, {"order_done": True},
             {"next_step": ""}, {"kind": "maintenance"}, {"expected_end_at": None}, {"status": "pending"},
             {"payer_note": "Mañana."}]
    cases += [{"change": c} for c in ("moved", "cancelled")] + [{"stage": "declined", "reason": "Sin cupo ese día."}]
    cases += [{"stage": s} for s in ("approved", "cancelled", "started", "ended", "update", "restored",
                                     "made", "reminder", "lapsed")]
    cases += [{"stage": "restored", "kind": "maintenance"}, {"stage": "update", "kind": "maintenance"}]
    cases += [{"status": s} for s in ("active", "suspended_nonpayment", "suspended_request")]
    cases += [{"variant": v} for v in ("refunded", "refund_failed", "counted_again", "returned", "disputed")]
    english = re.compile(r"\b(the|The|Your|your|you|You|We|we|is|are|and|to|will|of|for|Pay|pay|Hello|Choose|"
                         r"Questions|Receipt|Balance|Status|Update|Thank)\b")
    left = {}
    for name in sorted(p.stem for p in render.TEMPLATES.joinpath("mail").glob("*.txt") if p.stem != "base"):
        for case in cases:
            mail = render.render_mail(name, {**base, **case})
            for part, words in (("subject", mail.subject), ("text", mail.text),
                                ("html", re.sub(r"<[^>]+>", " ", mail.html))):
                words = re.sub(r"https?://\S+|Lumen Fiber( Communications LLC)?|Quick Pay|AutoPay", "", words)
                if found := english.findall(words):
                    left.setdefault(f"{name} {part}", set()).update(found)
    assert left == {}


@pytest.mark.parametrize("locale", ["en_US", "es_US"])
def test_every_text_template_fits_one_segment(locale: str) -> None:
    """Texts are written for one GSM-7 segment (160 characters) with long but real values, in English and
    in Spanish (whose á, í, ó, ú go plain: one of them would make the text UCS-2, 70 characters a segment)."""
    from portal_app.integrations.sms import segments

    long_method = "Mastercard •••• 4444"
    moment = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    contexts = {
        "bill_ready": [{"autopay": {"method": long_method, "on": dt.date(2026, 12, 21), "amount_cents": 123456},
                        "total_cents": 123456, "balance_cents": 123456, "due_on": dt.date(2026, 12, 21)},
                       {"autopay": None, "total_cents": 123456, "balance_cents": 123456, "due_on": dt.date(2026, 12, 21)}],
        "bill_reminder": [{"autopay": {"method": long_method, "on": dt.date(2026, 12, 21), "amount_cents": 123456},
                           "balance_cents": 123456, "due_on": dt.date(2026, 12, 21)},
                          {"autopay": None, "balance_cents": 123456, "due_on": dt.date(2026, 12, 21)}],
        "payment_receipt": [{"amount_cents": 123456, "status": "pending", "balance_cents": -2500,
                             "receipt_number": "RCP-20261231-ABCDEF12"}],
        "payment_failed": [{"amount_cents": 123456, "method_label": long_method}],
        "payment_needs_step": [{"amount_cents": 123456}],
        "autopay_failed": [{"method_label": long_method, "retry_on": dt.date(2026, 12, 22)},
                           {"method_label": long_method, "retry_on": None}],
        "card_expiring": [{"method_label": long_method, "expires": dt.date(2026, 12, 31)}],
        "mandate_inactive": [{"method_label": "Frost Bank •••• 6789"}],
        "refund": [{"variant": v, "amount_cents": 123456, "receipt_number": "RCP-20261231-ABCDEF12",
                    "balance_cents": 123456} for v in ("refunded", "returned", "disputed", "counted_again")],
        "ticket_note": [{"ticket_number": "TKT-20261231-0042"}],
        "order_step": [{"step": "Installer visit and equipment set-up at your home, " * 3, "order_done": done}
                       for done in (False, True)],
        "contract": [{"contract_id": 123456789}],
        "appointment": [{"title": "Fiber installation", "change": c, "when": "Thu, Dec 31, 2026, 8:00 AM-12:00 PM",
                         "before": "Wed, Dec 30, 2026, 1:00 PM-5:00 PM"} for c in ("booked", "moved", "cancelled")],
        "outage": [{"stage": s, "kind": k, "sms_title": "Fiber cut on the long street near the school",
                    "sms_update": "Crews found the break and are splicing the cable now; about two more hours to go.",
                    "starts_at": moment, "expected_end_at": moment}
                   for s in ("posted", "update", "restored") for k in ("outage", "maintenance")],
        "security_notice": [{"subject": "Your portal email address was changed"}],
        "service_status": [{"status": st, "state": "suspended at your request", "restore_cents": 123456}
                           for st in ("active", "suspended_nonpayment", "suspended_request")],
        "promise": [{"stage": st, "amount_cents": 123456, "promised_on": dt.date(2026, 12, 31), "restored": True}
                    for st in ("made", "reminder", "lapsed")],
        "hold": [{"stage": st, "starts_on": dt.date(2026, 12, 24), "ends_on": dt.date(2027, 3, 23),
                  "back_on": dt.date(2027, 3, 24), "price_cents": 123456, "reason": "We cannot pause a line that day."}
                 for st in ("requested", "approved", "declined", "cancelled", "started", "ended")],
        "verification_code": [{"code": "123456"}],
        "help": [{}],
    }
    too_long = {}
    for name, cases in contexts.items():
        for context in cases:
            text = render.render_sms(name, {**context, "locale": locale})
            if segments(text) != 1:
                which = context.get("variant") or context.get("stage") or context.get("status") or ""
                too_long[f"{name} {which}"] = (len(text), text)
    assert too_long == {}
    assert {path.stem for path in render.TEMPLATES.joinpath("sms").glob("*.txt")} == set(contexts)


# --- what people see of it --------------------------------------------------------------------


def test_staff_see_an_accounts_notifications_with_their_delivery(db: Session) -> None:
    sub = make_subscriber(db)
    invoice = make_invoice(db, sub.account, 7245)
    notices.bill_ready(db, account=sub.account, invoice=invoice, today=TODAY)
    db.commit()
    mail = db.exec(select(OutboxMail)).one()
    mail.attempts, mail.last_error = 8, "SMTPRecipientsRefused: 550 no such user"
    db.add(mail)
    db.commit()
    account, rows = log.sent_to_account(db, principal=STAFF, account_number=sub.account.account_number)
    assert account.id == sub.account.id
    [row] = rows
    assert (row.event, row.channel, row.status, row.detail) == ("New bill", "Email", "Not delivered",
                                                                 "SMTPRecipientsRefused: 550 no such user")
    [mine] = log.sent_to_me(db, principal=sub.principal)
    assert mine.status == "Not delivered" and mine.detail == ""  # the error is for staff
    other = make_subscriber(db)
    assert log.sent_to_me(db, principal=other.principal) == []
    with pytest.raises(Exception, match="staff"):
        log.sent_to_account(db, principal=sub.principal, account_number=sub.account.account_number)


def test_security_mail_goes_to_the_address_it_concerns_and_cannot_be_turned_off(db: Session) -> None:
    from portal_app.services.identity import account_security, tokens

    sub = make_subscriber(db)
    preferences.save_preferences(db, principal=sub.principal, choices={e.key: (False, False) for e in EVENTS},
                                 paperless=True, quiet_hours=True, quiet_start="21:00", quiet_end="08:00")
    old = sub.user.email
    raw = tokens.issue(db, purpose=tokens.EMAIL_CHANGE, user_id=sub.user.id, payload="new.address@mail.example")
    account_security.confirm_email_change(db, raw_token=raw)
    db.commit()
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == old)).one()
    assert mail.subject == "Your portal email address was changed" and "call us at once" in mail.body_text
    assert "/notifications" not in mail.body_text  # required: no "choose what we send" line
    [note] = db.exec(select(Notification)).all()
    assert (note.event, note.dedupe_key) == ("security", None)


def test_service_areas_unused_here_do_not_break_reach(db: Session) -> None:
    """An account with no verified sign-in gets no email but is still counted (nothing raised)."""
    from factories import make_account

    area = ServiceArea(name="Nowhere")
    db.add(area)
    db.flush()
    account = make_account(db, service_area_id=area.id)
    invoice = make_invoice(db, account, 1000)
    notices.bill_ready(db, account=account, invoice=invoice, today=TODAY)
    assert db.exec(select(Notification)).all() == []


# --- the page's state -------------------------------------------------------------------------


def test_the_notifications_page_saves_what_the_form_says(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.state.notifications import NotificationsState

    sub = make_subscriber(db)
    db.commit()
    page = page_state(NotificationsState, "/notifications", cookie=signed_in_cookie(db, sub))
    call(NotificationsState.load, page)
    assert [row["key"] for row in page.rows] == [event.key for event in EVENTS] and page.paperless
    assert page.texts_available is False and page.sent == [] and page.loaded
    # Every optional email off: the bill's box is required (ticked and disabled, so not submitted) and stays on.
    call(NotificationsState.save, page, {"paperless": "on", "quiet_hours": "on", "quiet_start": "22:00",
                                         "quiet_end": "07:00"})
    assert page.errors == {} and "Ticket replies: email off" in page.notice
    saved = {row["key"]: row["email"] for row in page.rows}
    assert saved["bill_ready"] is True and saved["ticket_update"] is False and page.paperless is True
    assert (page.quiet_start, page.quiet_end) == ("22:00", "07:00")
    # Paperless off: the bill goes by post, and the page says so instead of offering an email.
    call(NotificationsState.save, page, {"quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "07:00"})
    assert "paperless billing off" in page.notice and page.paperless is False
    bill = next(row for row in page.rows if row["key"] == "bill_ready")
    assert (bill["email"], bill["email_offered"]) == (False, False)
    call(NotificationsState.save, page, {"quiet_hours": "on", "quiet_start": "25:00", "quiet_end": "07:00"})
    assert page.errors == {"quiet_start": "Choose a time from the list."} and page.notice == ""
