"""Structured logs (JSON with the request or event id) and the optional Prometheus endpoint; and no
password, session token, sign-in ticket, card or bank number in any log line of a sign-in and payments."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import PASSWORD, call, make_invoice, make_subscriber, point_app_at
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from test_money_states import run
from test_states import BROWSER, app_db, assigned_url, page_state, run_submit  # noqa: F401

import portal_app.api
from portal_app.api.request_ids import RequestIds
from portal_app.integrations.payments import use_gateway
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.models import Payment
from portal_app.observability import JsonFormatter, request_id
from portal_app.services.identity import auth
from portal_app.state.payment import NEW_ACH, PaymentState
from portal_app.state.signin import SignInState

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient


class Captured(logging.Handler):
    """Every record of every logger, formatted as the JSON lines production writes."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "httpx":  # the test's own HTTP client logging the URLs it asks for, not the portal
            return
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_json_log_line_names_its_request() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("portal.test-json")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        token = request_id.set("ev-0123456789abcdef")
        log.warning("Payment %s outcome unknown", "RCP-1")
        request_id.reset(token)
        log.info("outside any request")
    finally:
        log.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "Payment RCP-1 outcome unknown" and first["level"] == "warning"
    assert first["request_id"] == "ev-0123456789abcdef" and first["logger"] == "portal.test-json"
    assert isinstance(first["pid"], int) and first["timestamp"].endswith("+00:00")
    assert "request_id" not in second


def test_http_requests_carry_the_proxys_request_id_or_a_new_one(captured: Captured) -> None:
    async def page(_request):
        logging.getLogger("portal.test-http").info("serving a page")
        return PlainTextResponse("ok")

    with TestClient(RequestIds(Starlette(routes=[Route("/page", page)]))) as client:
        given = client.get("/page", headers={"X-Request-ID": "4e676c10c71e94f11e94c1c4070704fb"})
        made = client.get("/page")
        forged = client.get("/page", headers={"X-Request-ID": "bad id\r\nx: y"})
    assert given.headers["x-request-id"] == "4e676c10c71e94f11e94c1c4070704fb"
    assert len(made.headers["x-request-id"]) == 32 and len(forged.headers["x-request-id"]) == 32
    ids = [json.loads(line).get("request_id") for line in captured.lines if "serving a page" in line]
    assert ids == ["4e676c10c71e94f11e94c1c4070704fb", made.headers["x-request-id"], forged.headers["x-request-id"]]


def test_metrics_are_off_by_default(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    point_app_at(monkeypatch, database_url)
    with TestClient(portal_app.api.build_api()) as client:
        assert client.get("/metrics").status_code == 404


def test_metrics_show_events_payments_mail_and_jobs(database_url: str, db: Session,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_app.models import JobState
    from portal_app.state.observe import EventObserver

    point_app_at(monkeypatch, database_url, PORTAL_METRICS="true")
    sub = make_subscriber(db)
    db.add(Payment(account_id=sub.account.id, receipt_number="RCP-M-1", amount_cents=500, status="succeeded",
                   method_kind="card", method_label="Visa •••• 4242", gateway="sandbox", idempotency_key="pay_m1"))
    db.add(JobState(name="billing", last_outcome="failed", failures_in_row=2))
    db.commit()

    class Event:
        name = "portal_app___state___payment____payment_state.submit"

    async def one_event() -> None:
        await EventObserver().preprocess(None, None, Event())
        await asyncio.sleep(0.01)

    async def events() -> None:
        await asyncio.gather(*(asyncio.create_task(one_event()) for _ in range(3)))

    asyncio.run(events())
    with TestClient(portal_app.api.build_api()) as client:
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    count = next(float(line.split()[-1]) for line in text.splitlines()
                 if line.startswith('portal_event_seconds_count{handler="submit"}'))
    assert count >= 3
    assert 'portal_payments{status="succeeded"} 1.0' in text
    assert "portal_mail_queue " in text and "portal_mail_given_up 0.0" in text
    assert 'portal_job_last_outcome{job="billing",outcome="failed"} 1.0' in text
    assert 'portal_job_failures_in_row{job="billing"} 2.0' in text


CARD = "4242424242424242"
BANK_ACCOUNT = "000123456789"


def test_no_secret_reaches_a_log_line_in_sign_in_and_payments(app_db: str, db: Session,  # noqa: F811
                                                               captured: Captured) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 9000)
    db.commit()
    use_gateway(SandboxGateway())
    try:
        # Sign in: the password, the one-time ticket, the session cookie.
        signin = page_state(SignInState, "/signin?next=%2Fpay")
        SignInState.load.fn(signin)
        run_submit(signin, {"login": sub.user.username, "password": "a-wrong-password-attempt"})
        updates = run_submit(signin, {"login": sub.user.username, "password": PASSWORD})
        ticket = parse_qs(urlsplit(assigned_url([u for u in updates if u is not None][0])).query)["ticket"][0]
        with TestClient(portal_app.api.build_api(), follow_redirects=False) as client:
            client.cookies.set(auth.PRESESSION_COOKIE, BROWSER)
            started = client.get("/auth/session/start", params={"ticket": ticket, "next": "/pay"})
            client.get("/auth/session/start", params={"ticket": ticket})  # a reused ticket is refused (and logged?)
        session_token = started.cookies[auth.SESSION_COOKIE]
        cookie = f"{auth.SESSION_COOKIE}={session_token}"

        # Pay: a declined card, a good card, a bank debit.
        pay = page_state(PaymentState, "/pay", cookie=cookie)
        call(PaymentState.load, pay)
        run(PaymentState.submit, pay, {"amount": "10.00", "card_number": "4000 0000 0000 0002", "expiry": "12/31",
                                       "cvc": "123"})
        run(PaymentState.submit, pay, {"amount": "10.00", "card_number": "4242 4242 4242 4242", "expiry": "12/31",
                                       "cvc": "123"})
        assert pay.done
        pay = page_state(PaymentState, "/pay", cookie=cookie)
        call(PaymentState.load, pay)
        PaymentState.choose_method.fn(pay, NEW_ACH)
        run(PaymentState.submit, pay, {"amount": "10.00", "routing": "110000000", "bank_account": BANK_ACCOUNT,
                                       "ach_authorization": "on"})
        assert pay.done
    finally:
        use_gateway(None)
    assert len(db.exec(select(Payment)).all()) == 3
    assert captured.lines, "the flow logged nothing at all: the check would prove nothing"
    text = "\n".join(captured.lines)
    for secret in (PASSWORD, "a-wrong-password-attempt", ticket, session_token, CARD, "4242 4242 4242 4242",
                   "4000000000000002", "4000 0000 0000 0002", BANK_ACCOUNT):
        assert secret not in text, secret


def test_a_tab_token_in_reflexs_own_warnings_is_redacted() -> None:
    from portal_app.log_redaction import redact

    message = ("Lock for token e2a82c7f-dcd9-4f3d-9776-1c1bc5f8a0fa_reflex___state____state.portal_app___state___signin"
               " was held too long time_taken=1.075s")
    assert "e2a82c7f" not in redact(message, links=False)
    assert redact(message, links=False).startswith("Lock for token [redacted]_reflex___state")
