"""Back online in one tap, on a phone (390×844): staff suspend an account for non-payment, the
subscriber sees it first thing at sign-in with one PAY NOW, the restore link opens Quick Pay with
the amount, a test card pays it, the service is being restored, and the provider's network gets
the signed service.restored webhook (a local HTTP receiver here). A promise to pay turns the service
on until its date, shows on the calendar and lapses once the date has passed (the day passed in)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_app.models import Account, StaffUser
from portal_app.services.billing import promises, service_status
from portal_app.services.core.clock import provider_today
from portal_app.services.identity import staff_auth
from portal_app.services.operations import webhooks
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_staff, wait_until_settled
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e


class _Network(BaseHTTPRequestHandler):
    """The provider's network system: records each webhook it is sent."""

    received: list[tuple[dict[str, str], str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _Network.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def network(portal):
    _Network.received = []
    server = HTTPServer(("127.0.0.1", 0), _Network)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with Session(portal.engine) as db:
        admin = staff_auth.staff_principal(db.get(StaffUser, 1))
        endpoint_id, secret = webhooks.add_endpoint(db, principal=admin, url=f"http://127.0.0.1:{server.server_address[1]}/hook")
        db.commit()
    yield secret
    with Session(portal.engine) as db:  # other tests' events are not this receiver's business
        webhooks.set_endpoint_active(db, principal=admin, endpoint_id=endpoint_id, active=False)
        db.commit()
    server.shutdown()


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_suspended_subscriber_pays_through_the_restore_link_and_the_network_is_told(
        browser, phone: Page, portal, network: str) -> None:
    me = make_persona(portal, first_name="Maya", last_name="Okafor", bills=(6450,))
    # Staff suspend the account for non-payment, on a phone too.
    staff = browser.new_context(viewport=PHONE, base_url=portal.base_url).new_page()
    sign_in_staff(staff)
    staff.goto("/staff/service-status")
    staff.get_by_label("Account number").fill(me.number)
    staff.get_by_role("button", name="FIND").click()
    panel = staff.locator("#service-status")
    expect(panel.locator("#service-label")).to_contain_text("Active")
    panel.get_by_label("Set service status").select_option("suspended_nonpayment")
    panel.get_by_label("Reason (the subscriber sees it)").fill("Your bill of $64.50 is overdue.")
    panel.get_by_role("button", name="SAVE STATUS").click()
    expect(staff.locator("#status-notice")).to_contain_text("Suspended for non-payment")
    restore_link = staff.locator("#restore-link").input_value()
    assert "/quickpay?t=" in restore_link
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-service-status.png"), full_page=True)
    staff.context.close()

    # Signing in for another page, the subscriber lands on Home, the suspension first, one PAY NOW.
    phone.goto("/invoices")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me.username, me.password)
    notice = phone.locator("#service-notice")
    expect(notice).to_contain_text("Your service is suspended for non-payment")
    expect(notice).to_contain_text("Your bill of $64.50 is overdue.")
    expect(notice.locator("#restore-amount")).to_contain_text("You owe $64.50. Pay $64.50")
    expect(notice.get_by_role("button", name="PAY NOW")).to_be_visible()
    expect(phone.get_by_text(re.compile(r"^PAY (NOW|BILL)$"))).to_have_count(1)  # one button to pay
    assert phone.evaluate("document.querySelector('#service-notice').getBoundingClientRect().top") < 300
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "home-suspended.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []

    # The restore link (from the network's redirect, or the mail) on a phone with nobody signed in.
    payer = browser.new_context(viewport=PHONE, base_url=portal.base_url).new_page()
    payer.goto("/quickpay?t=" + restore_link.split("?t=")[1])
    expect(payer.locator("#qp-restore")).to_have_text("Pay $64.50 and your service is restored at once.")
    expect(payer.get_by_label("Amount")).to_have_value("64.50")
    payer.get_by_label("Card number").fill("4242424242424242")
    payer.get_by_label("Expiry (MM/YY)").fill("12/31")
    payer.get_by_label("Security code").fill("123")
    payer.get_by_label("Billing ZIP").fill("78704")
    payer.get_by_role("button", name="PAY NOW").click()
    expect(payer.locator("#qp-done")).to_have_text("Payment received")
    expect(payer.locator("#qp-restoring")).to_contain_text("Your service is being restored")
    _fits(payer)
    payer.screenshot(path=str(ARTIFACTS / "quickpay-restored.png"), full_page=True)
    payer.context.close()

    with Session(portal.engine) as db:
        assert db.get(Account, me.account_id).service_status == "active"
        webhooks.deliver_due(db)  # what the worker does every 30 seconds
    events = {json.loads(body)["event"]: (headers, body) for headers, body in _Network.received
              if json.loads(body)["account_id"] == me.number}
    assert {"service.suspended", "payment.succeeded", "service.restored"} <= set(events)
    headers, body = events["service.restored"]
    stamp, digest = (part.split("=", 1)[1] for part in headers["Portal-Signature"].split(","))
    assert hmac.compare_digest(digest, hmac.new(network.encode(), f"{stamp}.{body}".encode(),
                                                hashlib.sha256).hexdigest())
    assert json.loads(events["service.suspended"][1])["data"]["restore_amount"] == "64.50"

    phone.goto("/")
    expect(phone.locator("#service-restoring")).to_contain_text("Your service is being restored")
    expect(phone.locator("#service-notice")).to_have_count(0)


def test_a_promise_to_pay_turns_service_on_shows_on_the_calendar_and_lapses(phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Maya", last_name="Okafor", bills=(6450,))
    with Session(portal.engine) as db:
        admin = staff_auth.staff_principal(db.get(StaffUser, 1))
        service_status.set_service_status(db, principal=admin, account_id=me.account_id, status="suspended_nonpayment")
        db.commit()
    today = provider_today()
    promised = today + dt.timedelta(days=5)
    phone.goto("/")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me.username, me.password)
    form = phone.locator("#promise-form")
    expect(form).to_contain_text("Need more time? Promise to pay by a date")
    form.get_by_label("Pay by").fill((today + dt.timedelta(days=30)).isoformat())
    form.get_by_role("button", name="PROMISE TO PAY").click()
    expect(phone.locator("#promise-promise_date-error")).to_contain_text("Pick a date from tomorrow")
    form.get_by_label("Pay by").fill(promised.isoformat())
    form.get_by_role("button", name="PROMISE TO PAY").click()
    expect(phone.locator("#promise-active")).to_contain_text(f"You promised to pay $64.50 by {promised:%b %-d, %Y}.")
    expect(phone.locator("#service-notice")).to_have_count(0)  # back on until then
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "home-promise.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []

    phone.goto("/calendar")
    item = phone.locator("#agenda .calendar-item[data-kind='promise']")
    expect(item).to_contain_text("Promise to pay: $64.50")

    with Session(portal.engine) as db:  # the daily job, the day after the promised date
        assert promises.promise_run(db, today=promised + dt.timedelta(days=1)).endswith("1 lapsed")
    phone.goto("/")
    notice = phone.locator("#service-notice")
    expect(notice).to_contain_text("Your service is suspended for non-payment")
    expect(notice).to_contain_text(f"The promise to pay by {promised:%b %-d, %Y} was not kept")
    phone.goto("/calendar")
    expect(phone.locator("#agenda .calendar-item[data-kind='promise']")).to_contain_text("(lapsed)")
