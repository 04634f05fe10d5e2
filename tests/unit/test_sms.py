"""Texts: the Twilio adapter through Twilio's own library against a local fake of its API, the text
outbox's delivery (retries, STOP before sending, codes not kept), verifying a number by a code, and
the inbound webhook (signature checked, STOP / START / HELP)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator

import pytest
from factories import make_subscriber, point_app_at, reset_app_engine
from sqlmodel import Session, select

import portal_app.api
from portal_app.config import get_settings
from portal_app.integrations.sms import SmsRefused, SmsUnavailable, TwilioSms, plain, segments
from portal_app.models import AccountHistory, NotificationSettings, OutboxSms, utcnow
from portal_app.services.core.errors import FieldErrors
from portal_app.services.notify import preferences
from portal_app.services.notify.sms_outbox import CODE_GONE, MAX_ATTEMPTS, deliver_due, enqueue_sms
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioFake, signature

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

PHONE = "+15125550123"


@pytest.fixture(scope="module")
def fake() -> Iterator[TwilioFake]:
    server = TwilioFake().start()
    yield server
    server.stop()


@pytest.fixture
def sender(fake: TwilioFake) -> TwilioSms:
    fake.messages.clear()
    fake.refusals.clear()
    return TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER, api_base=fake.base_url)


@pytest.fixture
def texts_on(monkeypatch: pytest.MonkeyPatch, fake: TwilioFake) -> Iterator[None]:
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --- the adapter -----------------------------------------------------------------------------


def test_the_adapter_sends_through_twilios_library_and_maps_its_errors(fake: TwilioFake, sender: TwilioSms) -> None:
    sid = sender.send(to=PHONE, body="Lumen: hello")
    assert sid.startswith("SM") and fake.messages == [{"To": PHONE, "From": FROM_NUMBER, "Body": "Lumen: hello"}]
    fake.refuse("+15125550001", 400, 21211, "The 'To' number is not a valid phone number.")
    fake.refuse("+15125550002", 400, 21610, "Attempt to send to unsubscribed recipient")
    fake.refuse("+15125550003", 429, 20429, "Too Many Requests")
    fake.refuse("+15125550004", 503, 20503, "Service Unavailable")
    with pytest.raises(SmsRefused) as bad:
        sender.send(to="+15125550001", body="x")
    assert not bad.value.opted_out and "21211" in str(bad.value)
    with pytest.raises(SmsRefused) as stopped:
        sender.send(to="+15125550002", body="x")
    assert stopped.value.opted_out
    for busy in ("+15125550003", "+15125550004"):
        with pytest.raises(SmsUnavailable):
            sender.send(to=busy, body="x")
    wrong_key = TwilioSms(account_sid=ACCOUNT_SID, auth_token="not-the-token", from_number=FROM_NUMBER,
                          api_base=fake.base_url)
    with pytest.raises(SmsUnavailable, match="20003"):
        wrong_key.send(to=PHONE, body="x")
    nobody = TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER,
                       api_base="http://127.0.0.1:9", timeout=2)
    with pytest.raises(SmsUnavailable):
        nobody.send(to=PHONE, body="x")


def test_plain_keeps_texts_in_gsm_seven() -> None:
    assert plain("Visa •••• 4242 – “due” …") == 'Visa ending 4242 - "due" ...'
    # Spanish: é, ñ, ¿ are GSM-7; á, í, ó, ú would make the text UCS-2 (70 characters a segment), so they go plain.
    spanish = "¿Qué día? Tu factura está lista: págala en un paso desde tu cuenta, o con Quick Pay. Año nuevo, más fácil. Gracias por ser cliente de Lumen Fiber."
    assert segments(spanish) == 3
    assert plain(spanish) == ("¿Qué dia? Tu factura esta lista: pagala en un paso desde tu cuenta, o con Quick Pay. "
                              "Año nuevo, mas facil. Gracias por ser cliente de Lumen Fiber.")
    assert segments(plain(spanish)) == 1


# --- the outbox ------------------------------------------------------------------------------


def test_delivery_sends_what_is_due_retries_the_provider_and_gives_up_on_bad_numbers(
        db: Session, fake: TwilioFake, sender: TwilioSms) -> None:
    sub = make_subscriber(db)
    db.add(NotificationSettings(account_id=sub.account.id, sms_phone=PHONE, sms_verified_at=utcnow()))
    later = utcnow() + dt.timedelta(hours=8)
    due = enqueue_sms(db, to=PHONE, body="due now", account_id=sub.account.id)
    held = enqueue_sms(db, to=PHONE, body="after quiet hours", account_id=sub.account.id, send_at=later)
    db.commit()
    report = deliver_due(db, sender=sender)
    assert report.sent == 1 and fake.to(PHONE) == ["due now"]
    db.refresh(due)
    db.refresh(held)
    assert due.sent_at is not None and due.provider_ref.startswith("SM") and held.sent_at is None
    assert deliver_due(db, sender=sender).sent == 0  # sent once, never twice
    assert deliver_due(db, sender=sender, now=later).sent == 1 and fake.to(PHONE)[-1] == "after quiet hours"

    fake.refuse(PHONE, 503, 20503, "Service Unavailable")
    busy = enqueue_sms(db, to=PHONE, body="provider down", account_id=sub.account.id)
    db.commit()
    report = deliver_due(db, sender=sender, now=later)
    db.refresh(busy)
    assert report.server_errors == 1 and busy.attempts == 1 and busy.next_attempt_at > later and busy.sent_at is None
    fake.refusals.clear()
    assert deliver_due(db, sender=sender, now=busy.next_attempt_at).sent == 1

    fake.refuse(PHONE, 400, 21610, "Attempt to send to unsubscribed recipient")
    stopped = enqueue_sms(db, to=PHONE, body="to a stopped number", account_id=sub.account.id)
    db.commit()
    deliver_due(db, sender=sender, now=busy.next_attempt_at)
    db.refresh(stopped)
    assert stopped.attempts == MAX_ATTEMPTS and "21610" in stopped.last_error
    assert db.get(NotificationSettings, sub.account.id).sms_opted_out_at is not None  # no more tries


def test_a_stop_that_came_while_a_text_waited_keeps_it_from_going(db: Session, fake: TwilioFake,
                                                                  sender: TwilioSms) -> None:
    sub = make_subscriber(db)
    db.add(NotificationSettings(account_id=sub.account.id, sms_phone=PHONE, sms_verified_at=utcnow()))
    row = enqueue_sms(db, to=PHONE, body="held overnight", account_id=sub.account.id)
    db.commit()
    preferences.inbound_text(db, from_number=PHONE, body="Stop")
    db.commit()
    report = deliver_due(db, sender=sender)
    db.refresh(row)
    assert report.dropped == 1 and fake.to(PHONE) == [] and row.attempts == MAX_ATTEMPTS


# --- verifying the number --------------------------------------------------------------------


def _code(fake: TwilioFake, number: str = PHONE) -> str:
    return fake.to(number)[-1].split()[0]


def test_the_code_is_texted_in_the_subscribers_language(db: Session, texts_on, fake: TwilioFake,
                                                         sender: TwilioSms) -> None:
    from dataclasses import replace

    sub = make_subscriber(db)
    preferences.send_code(db, principal=replace(sub.principal, language="es_US"), phone="(512) 555-0123")
    db.commit()
    deliver_due(db, sender=sender)
    text = fake.to(PHONE)[-1]
    assert text.endswith("es su codigo de Lumen para recibir nuestros mensajes de texto. Vale 10 minutos.")
    assert segments(text) == 1


def test_a_number_gets_texts_only_after_its_code_comes_back(db: Session, texts_on, fake: TwilioFake,
                                                            sender: TwilioSms) -> None:
    sub = make_subscriber(db)
    said = preferences.send_code(db, principal=sub.principal, phone="(512) 555-0123")
    db.commit()
    assert said.startswith("We texted a code to (512) 555-0123")
    assert preferences.preferences(db, principal=sub.principal).sms_phone == ""  # not before the code
    deliver_due(db, sender=sender)
    code = _code(fake)
    assert len(code) == 6 and code.isdigit()
    assert db.exec(select(OutboxSms)).one().body == CODE_GONE  # the outbox keeps no usable code
    with pytest.raises(FieldErrors) as wrong:
        preferences.confirm_code(db, principal=sub.principal, code="000000" if code != "000000" else "111111")
    db.rollback()  # as the page's preamble does; the wrong try was counted before the refusal
    assert "not right" in wrong.value.errors["code"]
    assert db.get(NotificationSettings, sub.account.id).code_attempts == 1
    other = make_subscriber(db)  # someone else's code never confirms this account's number
    with pytest.raises(FieldErrors):
        preferences.confirm_code(db, principal=other.principal, code=code)
    db.rollback()
    assert preferences.confirm_code(db, principal=sub.principal, code=code) == "Texts now go to (512) 555-0123."
    db.commit()
    view = preferences.preferences(db, principal=sub.principal)
    assert view.sms_phone == "(512) 555-0123" and view.pending_phone == ""
    actions = [h.action for h in db.exec(select(AccountHistory).where(AccountHistory.account_id == sub.account.id))]
    assert actions == ["phone_code_sent", "phone_verified"]
    with pytest.raises(FieldErrors):  # used up
        preferences.confirm_code(db, principal=sub.principal, code=code)


def test_five_wrong_codes_spend_the_code_and_codes_are_rate_limited(db: Session, texts_on, fake: TwilioFake,
                                                                     sender: TwilioSms) -> None:
    sub = make_subscriber(db)
    preferences.send_code(db, principal=sub.principal, phone=PHONE)
    db.commit()
    deliver_due(db, sender=sender)
    code = _code(fake)
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(preferences.CODE_TRIES):
        with pytest.raises(FieldErrors):
            preferences.confirm_code(db, principal=sub.principal, code=wrong)
        db.rollback()
    with pytest.raises(FieldErrors, match="expired"):
        preferences.confirm_code(db, principal=sub.principal, code=code)
    db.rollback()
    for _ in range(2):
        preferences.send_code(db, principal=sub.principal, phone=PHONE)
        db.commit()
    with pytest.raises(FieldErrors, match="Too many attempts"):
        preferences.send_code(db, principal=sub.principal, phone=PHONE)


def test_codes_need_texts_configured_and_a_real_number(db: Session, texts_on) -> None:
    sub = make_subscriber(db)
    with pytest.raises(FieldErrors) as bad:
        preferences.send_code(db, principal=sub.principal, phone="12")
    assert "valid phone number" in bad.value.errors["phone"]
    get_settings.cache_clear()


def test_without_twilio_settings_there_are_no_texts(db: Session) -> None:
    sub = make_subscriber(db)
    assert preferences.preferences(db, principal=sub.principal).texts_available is False
    with pytest.raises(preferences.TextsUnavailable):
        preferences.send_code(db, principal=sub.principal, phone=PHONE)


def test_half_a_twilio_configuration_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_app.config import Settings

    monkeypatch.setenv("PORTAL_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    with pytest.raises(ValueError, match="PORTAL_TWILIO_AUTH_TOKEN"):
        Settings()


# --- replies (the inbound webhook) -----------------------------------------------------------


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch, fake: TwilioFake) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url, PORTAL_PUBLIC_URL="https://portal.example", **fake.env())
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        yield test_client
    reset_app_engine()


def _inbound(client: TestClient, body: str, *, sign: bool = True, number: str = PHONE):
    params = {"From": number, "To": FROM_NUMBER, "Body": body, "MessageSid": "SM" + "1" * 32,
              "AccountSid": ACCOUNT_SID}
    url = "https://portal.example/webhooks/twilio/sms"
    headers = {"X-Twilio-Signature": signature(url, params) if sign else "forged"}
    return client.post("/webhooks/twilio/sms", data=params, headers=headers)


def test_stop_start_and_help_from_a_phone(client: TestClient, db: Session) -> None:
    one, two = make_subscriber(db), make_subscriber(db)
    for sub in (one, two):  # a family's shared number on two accounts
        db.add(NotificationSettings(account_id=sub.account.id, sms_phone=PHONE, sms_verified_at=utcnow()))
    db.commit()
    forged = _inbound(client, "STOP", sign=False)
    assert forged.status_code == 403
    db.expire_all()
    assert db.get(NotificationSettings, one.account.id).sms_opted_out_at is None
    stop = _inbound(client, " stop ")
    assert stop.status_code == 200 and "<Message>" not in stop.text and stop.text.startswith("<?xml")
    db.expire_all()
    assert all(db.get(NotificationSettings, s.account.id).sms_opted_out_at is not None for s in (one, two))
    entry = db.exec(select(AccountHistory).where(AccountHistory.action == "texts_stopped",
                                                 AccountHistory.account_id == one.account.id)).one()
    assert "replied STOP" in entry.summary
    assert preferences.preferences(db, principal=one.principal).sms_opted_out
    help_reply = _inbound(client, "help")
    assert "<Message>Lumen account texts. Help: +1 512 555 0100." in help_reply.text and "Reply STOP" in help_reply.text
    _inbound(client, "START")
    db.expire_all()
    assert db.get(NotificationSettings, one.account.id).sms_opted_out_at is None
    assert "<Message>" not in _inbound(client, "thanks!").text  # anything else: no answer


def test_help_answers_in_the_language_of_the_sign_ins_behind_the_number(client: TestClient, db: Session) -> None:
    sub = make_subscriber(db)
    sub.user.language = "es_US"
    db.add_all([sub.user, NotificationSettings(account_id=sub.account.id, sms_phone=PHONE, sms_verified_at=utcnow())])
    db.commit()
    reply = _inbound(client, "HELP")
    assert "<Message>Mensajes de su cuenta Lumen. Ayuda: +1 512 555 0100." in reply.text and "STOP" in reply.text


def test_a_reply_in_spanish_is_understood(client: TestClient, db: Session) -> None:
    """AYUDA gets the help text in Spanish whoever holds the number; PARAR stops texts like STOP."""
    sub = make_subscriber(db)
    db.add(NotificationSettings(account_id=sub.account.id, sms_phone=PHONE, sms_verified_at=utcnow()))
    db.commit()
    assert "<Message>Mensajes de su cuenta Lumen. Ayuda: +1 512 555 0100." in _inbound(client, "Ayuda").text
    _inbound(client, "PARAR")
    db.expire_all()
    assert db.get(NotificationSettings, sub.account.id).sms_opted_out_at is not None


def test_the_webhook_is_not_there_without_twilio(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    point_app_at(monkeypatch, database_url)
    try:
        with TestClient(portal_app.api.build_api()) as test_client:
            assert test_client.post("/webhooks/twilio/sms", data={"Body": "STOP"}).status_code == 404
    finally:
        reset_app_engine()


def test_the_cleanup_clears_texts_sent_a_month_ago(db: Session) -> None:
    from portal_app.services.operations import cleanup

    now = utcnow()
    old = enqueue_sms(db, to=PHONE, body="Lumen: your bill is $65.00", account_id=None)
    recent = enqueue_sms(db, to=PHONE, body="Lumen: your bill is $70.00", account_id=None)
    waiting = enqueue_sms(db, to=PHONE, body="Lumen: held", account_id=None)
    old.sent_at, recent.sent_at = now - dt.timedelta(days=31), now - dt.timedelta(days=2)
    db.commit()
    cleanup.run_cleanup(db, now=now)
    db.commit()
    for row in (old, recent, waiting):
        db.refresh(row)
    assert (old.body, recent.body, waiting.body) == (cleanup.SENT_BODY_GONE, "Lumen: your bill is $70.00",
                                                     "Lumen: held")
