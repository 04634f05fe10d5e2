"""Seed flows that only had service tests, now driven in Chromium at 390×844 (issue #17).

Staff RESEND VERIFICATION EMAIL and UNLOCK, Home VIEW MORE and the quick actions, Make a Payment by
ACH (pending, then settled by the real settle-ach job), AutoPay EDIT with charge history and the
provider lock, ticket creation and service change switched off, and the Security page (change
password, change email, sign out everywhere).

Each test makes its own subscriber. Provider settings are global, so a test that changes one puts
it back in a `finally`. Mail goes through the real `deliver-mail` job to a real SMTP server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from portal_app.models import (AccountHistory, AccountMembership, Invoice, Payment, PaymentMethod, PortalUser, ProviderSettings,
                               RecurringPayment, utcnow)
from portal_app.services.billing import payments
from portal_app.services.core.principal import Principal
from portal_app.services.identity import ratelimit
from portal_app.services.selfservice import tickets as ticket_service
from tests.e2e.conftest import ARTIFACTS, PHONE, PROJECT_ROOT
from tests.e2e.helpers import SOCKET_WATCH, sign_in, sign_in_staff, wait_until_settled
from tests.e2e.personas import Persona, make_persona, maya_copy
from tests.smtp_sink import SmtpSink, link_in

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "meadow-lantern-harbor-73"


# --- shared steps ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _run(portal, command: str, **env: str) -> str:
    """One of the app's real command-line jobs against the running app's database."""
    done = subprocess.run([sys.executable, "-m", "portal_app", command], cwd=PROJECT_ROOT, check=True,
                          capture_output=True, text=True,
                          env={**os.environ, "PORTAL_DATABASE_URL": portal.database_url, **env})
    return done.stdout


def _deliver_mail(portal, smtp: SmtpSink) -> None:
    _run(portal, "deliver-mail", PORTAL_SMTP_URL=smtp.url)


def _second_phone(browser, portal) -> Page:
    """Another phone (its own cookies): a staff member's, or the same subscriber's second device."""
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    return context.new_page()


def _open(page: Page, path: str, who) -> None:
    """Sign in and land on `path`, as a subscriber following a link would."""
    page.goto("/signin?" + urlencode({"next": path}))
    wait_until_settled(page)
    sign_in(page, who.username, who.password)
    page.wait_for_url(re.compile(re.escape(path.split("?")[0]).rstrip("/") + r"/?(\?.*)?$"))


def _home(page: Page, who, first_name: str = "Lena") -> None:
    _open(page, "/", who)
    expect(page.get_by_role("heading", name=f"Hi, {first_name}")).to_be_visible()
    wait_until_settled(page)


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"seed-{name}.png"), full_page=True)


def _history(portal, account_id: int, action: str) -> list[str]:
    with Session(portal.engine) as db:
        return list(db.exec(select(AccountHistory.summary).where(AccountHistory.account_id == account_id,
                                                                 AccountHistory.action == action)))


@contextlib.contextmanager
def provider_setting(portal, **values) -> Iterator[None]:
    """Switch provider settings for the length of a block; the previous values come back in any case."""
    with Session(portal.engine) as db:
        row = db.exec(select(ProviderSettings)).first()
        created = row is None
        if created:
            row = ProviderSettings()
        before = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
        db.add(row)
        db.commit()
        row_id = row.id
    try:
        yield
    finally:
        with Session(portal.engine) as db:
            row = db.get(ProviderSettings, row_id)
            if created:
                db.delete(row)
            else:
                for name, value in before.items():
                    setattr(row, name, value)
                db.add(row)
            db.commit()


# --- 1. staff RESEND VERIFICATION EMAIL -------------------------------------------------------


def test_staff_resends_the_verification_email_and_its_link_sets_a_password(browser, phone: Page, portal, smtp) -> None:
    me = make_persona(portal, first_name="Nadia", last_name="Haddad")
    username = f"pend{uuid.uuid4().hex[:8]}"
    email = f"{username}@mail.example"
    with Session(portal.engine) as db:  # staff added them; the first mail never reached them
        user = PortalUser(account_id=me.account_id, username=username, email=email, password_hash=None)
        db.add(user)
        db.flush()
        db.add(AccountMembership.home_of(user))
        db.commit()

    # Before: nothing has been mailed to them.
    _deliver_mail(portal, smtp)
    assert smtp.to(email) == []

    staff = _second_phone(browser, portal)
    sign_in_staff(staff)
    staff.goto(f"/staff/account?number={me.number}")
    expect(staff.get_by_role("heading", name="Nadia Haddad")).to_be_visible()
    row = staff.locator("#portal-users > div", has_text=username)
    expect(row).to_contain_text("Pending")
    _fits_the_phone(staff)
    row.get_by_role("button", name="RESEND VERIFICATION EMAIL").click()
    expect(staff.locator("#staff-notice")).to_have_text(f"Verification email sent again to {email}.")
    _shot(staff, "staff-resend")

    _deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(email)
    link = link_in(mail)
    assert link.startswith("/verify?token=")
    phone.goto(link)
    expect(phone.get_by_text(f"Choose a password for {username}.")).to_be_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="SET PASSWORD").click()
    phone.wait_for_url("**/signin?reason=verified")
    wait_until_settled(phone)
    sign_in(phone, username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Nadia")).to_be_visible()

    staff.reload()
    expect(staff.locator("#portal-users > div", has_text=username)).to_contain_text("Verified")
    expect(staff.locator("#portal-users > div", has_text=username)
           .get_by_role("button", name="RESEND VERIFICATION EMAIL")).to_have_count(0)
    staff.get_by_role("tab", name="History (ALL)").click()
    expect(staff.locator("#history")).to_contain_text(f"resent the verification email to {email}")
    staff.context.close()


# --- 2. staff UNLOCK --------------------------------------------------------------------------


def test_staff_unlocks_a_locked_portal_user(browser, phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Omar", last_name="Faris")
    # The staff member has the account open before the subscriber calls.
    staff = _second_phone(browser, portal)
    sign_in_staff(staff)
    staff.goto(f"/staff/account?number={me.number}")
    expect(staff.locator("#portal-users > div", has_text=me.username)).to_contain_text("Verified")

    phone.goto("/signin")
    wait_until_settled(phone)
    for _ in range(ratelimit.SIGN_IN.limit):
        sign_in(phone, me.username, "not-my-password-at-all")
        expect(phone.locator("#signin-error")).to_be_visible()
        wait_until_settled(phone, quiet_ms=200)
    sign_in(phone, me.username, me.password)  # the right password, but the sign-in is locked
    expect(phone.locator("#signin-error")).to_contain_text("Too many attempts")
    expect(phone.get_by_role("heading", name="Hi, Omar")).to_have_count(0)
    _shot(phone, "locked")

    staff.reload()
    row = staff.locator("#portal-users > div", has_text=me.username)
    expect(row).to_contain_text("Locked")
    with Session(portal.engine) as db:
        lock_ends = db.exec(select(PortalUser.locked_until).where(PortalUser.username == me.username)).one()
    row.get_by_role("button", name="UNLOCK").click()
    expect(staff.locator("#staff-notice")).to_have_text(f"{me.username} can sign in again.")
    expect(row).to_contain_text("Verified")

    sign_in(phone, me.username, me.password)
    expect(phone.get_by_role("heading", name="Hi, Omar")).to_be_visible()
    # Signed in while the lock would still have held: it was UNLOCK that lifted it, not the clock.
    assert utcnow().replace(tzinfo=None) < lock_ends.replace(tzinfo=None)

    staff.get_by_role("tab", name="History (ALL)").click()
    expect(staff.locator("#history")).to_contain_text(f"unlocked the portal sign-in '{me.username}'")
    _shot(staff, "staff-unlock-history")
    staff.context.close()


# --- 3. Home VIEW MORE ------------------------------------------------------------------------


def test_home_view_more_opens_the_invoices(phone: Page, portal) -> None:
    me = make_persona(portal)
    with Session(portal.engine) as db:
        numbers = list(db.exec(select(Invoice.number).where(Invoice.account_id == me.account_id)
                               .order_by(col(Invoice.due_on).desc())))
    _home(phone, me)
    phone.get_by_role("link", name="VIEW MORE").click()
    phone.wait_for_url(re.compile(r"/invoices/?$"))
    expect(phone.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    rows = phone.locator(".invoice-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(numbers[0])
    expect(rows.first).to_contain_text("$72.45")
    expect(rows.nth(1)).to_contain_text(numbers[1])
    expect(rows.nth(1)).to_contain_text("past due")
    _fits_the_phone(phone)
    _shot(phone, "view-more-invoices")


# --- 4. the quick actions behind "+" ----------------------------------------------------------


def test_each_quick_action_reaches_its_page(phone: Page, portal) -> None:
    me = maya_copy(portal)
    actions = [
        ("Add Email Address", r"/contacts\?add=email$", lambda: expect(
            phone.get_by_role("dialog").get_by_role("heading", name="Add Email Address")).to_be_visible()),
        ("Add Phone Number", r"/contacts\?add=phone$", lambda: expect(
            phone.get_by_role("dialog").get_by_role("heading", name="Add Phone Number")).to_be_visible()),
        ("Make Payment", r"/pay/?$", lambda: expect(
            phone.get_by_role("heading", name="Make a Payment")).to_be_visible()),
        ("Go to Scheduling", r"/scheduling/?$", lambda: expect(
            phone.get_by_role("heading", name="Scheduling", exact=True)).to_be_visible()),
        ("Go to Shopping Cart", r"/cart/?$", lambda: expect(
            phone.get_by_role("heading", name="Shopping Cart")).to_be_visible()),
    ]
    _home(phone, me, "Maya")
    for label, url, arrived in actions:
        phone.goto("/")
        expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
        plus = phone.get_by_role("button", name="Quick actions")
        expect(plus).to_have_attribute("aria-expanded", "false")
        expect(phone.locator("#quick-actions")).to_have_count(0)
        plus.click()
        expect(plus).to_have_attribute("aria-expanded", "true")
        menu = phone.locator("#quick-actions")
        expect(menu.get_by_role("link")).to_have_text([a[0] for a in actions])
        if label == actions[0][0]:
            _shot(phone, "quick-actions-open")
        menu.get_by_role("link", name=label).click()
        phone.wait_for_url(re.compile(url))
        arrived()


# --- 5. Make a Payment by ACH -----------------------------------------------------------------


def test_ach_payment_is_pending_then_settled_by_the_settle_ach_job(phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Priya", last_name="Raman")
    _home(phone, me, "Priya")
    expect(phone.locator("#balance")).to_have_text("$122.45")
    phone.get_by_role("link", name="PAY BILL").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    expect(phone.get_by_label("Amount")).to_have_value("122.45")
    phone.get_by_label("Payment", exact=True).select_option("ach")
    phone.get_by_label("Name on the account").fill("Priya Raman")
    phone.get_by_label("Routing number").fill("110000000")
    phone.get_by_label("Account number", exact=True).fill("000123456789")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#ach_authorization-error")).to_be_visible()  # no debit without the authorization
    phone.get_by_label("I authorize this bank debit").check()
    _fits_the_phone(phone)
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_have_text("Payment submitted")
    expect(phone.get_by_text("Bank payments take 1–3 business days to settle.")).to_be_visible()
    expect(phone.locator("#done-amount")).to_contain_text("$122.45")
    _shot(phone, "ach-submitted")

    # Pending: Home says so, asks for nothing more, and the Payments page lists it as Pending.
    phone.get_by_role("link", name="Back to Home").click()
    expect(phone.locator("#pending-payment")).to_have_text("$122.45 payment pending (bank)")
    expect(phone.locator("#due-date")).to_have_text("Nothing more to pay once it goes through.")
    expect(phone.get_by_role("link", name="PAY BILL")).to_have_count(0)
    _shot(phone, "ach-pending-home")
    phone.goto("/payments")
    row = phone.locator(".payment-row").first
    expect(row).to_contain_text("$122.45")
    expect(row).to_contain_text("Pending")
    with Session(portal.engine) as db:
        payment = db.exec(select(Payment).where(Payment.account_id == me.account_id)).one()
        assert (payment.status, payment.method_kind) == ("pending", "ach")

    # The bank settles: the real job asks the sandbox gateway and records it.
    _run(portal, "settle-ach")
    phone.reload()
    expect(phone.locator(".payment-row").first).to_contain_text("Paid")
    phone.goto("/")
    expect(phone.locator("#balance")).to_have_text("$0.00")
    expect(phone.locator("#pending-payment")).to_have_count(0)
    expect(phone.locator("#due-date")).to_have_text("Nothing is due right now.")
    with Session(portal.engine) as db:
        assert db.exec(select(Payment.status).where(Payment.account_id == me.account_id)).one() == "succeeded"
        assert set(db.exec(select(Invoice.status).where(Invoice.account_id == me.account_id))) == {"paid"}
    _shot(phone, "ach-settled-home")


# --- 6. AutoPay EDIT with charge history, and the provider lock -------------------------------


def _autopay_persona(portal) -> tuple[Persona, list[int]]:
    """A subscriber on AutoPay for three months with a Visa, a stored Mastercard to switch to, two
    earlier AutoPay charges, and today's charge of the past-due bill made through the sandbox gateway
    exactly as the AutoPay run makes it."""
    me = make_persona(portal, first_name="Tomas", last_name="Berg", card=True)
    now = utcnow()
    with Session(portal.engine, expire_on_commit=False) as db:
        visa = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == me.account_id)).one()
        db.add(PaymentMethod(account_id=me.account_id, kind="card", gateway="sandbox",
                             gateway_token=f"pm_sandbox_ok_mc{uuid.uuid4().hex[:8]}", brand="Mastercard", last4="4444",
                             exp_month=5, exp_year=now.year + 3))
        recurring = RecurringPayment(account_id=me.account_id, payment_method_id=visa.id,
                                     created_at=now - dt.timedelta(days=95))
        db.add(recurring)
        for days_ago, cents in ((64, 6890), (33, 7015)):
            when = now - dt.timedelta(days=days_ago)
            db.add(Payment(account_id=me.account_id, receipt_number=f"RCP-AP-{uuid.uuid4().hex[:10]}", amount_cents=cents,
                           status="succeeded", method_kind="card", method_label="Visa •••• 4242",
                           payment_method_id=visa.id, source="autopay", gateway="sandbox",
                           gateway_ref=f"ch_sandbox_ok_{uuid.uuid4().hex[:10]}",
                           idempotency_key=f"autopay-e2e-{uuid.uuid4().hex[:12]}", created_at=when, settled_at=when))
        db.commit()
        principal = Principal(kind="system", display_name="AutoPay", account_id=me.account_id)
        outcome = payments.pay(db, principal=principal, amount_cents=5000, method=payments.StoredMethod(visa.id),
                               attempt_key=f"autopay-{recurring.id}-e2e-{uuid.uuid4().hex[:8]}", source="autopay")
        db.commit()
        assert outcome.status == "succeeded"
    return me, [5000, 7015, 6890]


def test_autopay_edit_with_charge_history_then_the_provider_lock(phone: Page, portal) -> None:
    me, charged = _autopay_persona(portal)
    _open(phone, "/autopay", me)
    expect(phone.get_by_role("heading", name="AutoPay", exact=True)).to_be_visible()
    phone.get_by_role("button", name="Show the history of Visa •••• 4242").click()
    history = phone.locator("#autopay-history")
    expect(history).to_contain_text("Recurring charges")
    amounts = [f"${cents / 100:,.2f}" for cents in charged]
    for amount in amounts:
        expect(history).to_contain_text(amount)
    expect(history.get_by_text("Paid")).to_have_count(3)
    assert re.findall(r"\$\d+\.\d\d", history.inner_text()) == amounts  # newest first
    _fits_the_phone(phone)
    _shot(phone, "autopay-history")

    phone.get_by_role("button", name="EDIT").click()
    phone.get_by_label("Stored payment method").first.select_option(label="Mastercard •••• 4444")
    phone.get_by_role("button", name="SAVE").click()
    expect(phone.locator("#autopay-notice")).to_have_text("AutoPay updated.")
    expect(phone.get_by_role("button", name="Show the history of Mastercard •••• 4444")).to_be_visible()
    expect(phone.get_by_role("button", name="Show the history of Visa •••• 4242")).to_have_count(0)
    for amount in amounts:  # still open, and the same AutoPay: its charges stay with it
        expect(phone.locator("#autopay-history")).to_contain_text(amount)
    assert _history(portal, me.account_id, "changed") == ["AutoPay now charges Mastercard •••• 4444"]
    phone.goto("/")
    expect(phone.locator("#home-autopay")).to_contain_text("Mastercard •••• 4444")

    reason = "Your AutoPay is part of your business agreement. Call 512-555-0100 to change it."
    with provider_setting(portal, lock_recurring_edit=True, recurring_lock_reason=reason):
        phone.goto("/autopay")
        expect(phone.locator("#autopay-locked")).to_have_text(reason)
        expect(phone.get_by_role("button", name="EDIT")).to_be_disabled()
        expect(phone.get_by_role("button", name="Remove AutoPay with Mastercard •••• 4444")).to_be_disabled()
        _shot(phone, "autopay-locked")
        # The charge history is still there to read.
        phone.get_by_role("button", name="Show the history of Mastercard •••• 4444").click()
        expect(phone.locator("#autopay-history")).to_contain_text(amounts[0])
    phone.reload()
    expect(phone.get_by_role("button", name="EDIT")).to_be_enabled()
    expect(phone.locator("#autopay-locked")).to_have_count(0)


# --- 7. ticket creation off, service change off -----------------------------------------------


def test_ticket_creation_off_hides_and_refuses_new_ticket(phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Ines", last_name="Duarte", ticket=True)
    _open(phone, "/tickets", me)
    expect(phone.locator(".ticket-item")).to_have_count(1)
    # The form is open when the provider switches online tickets off: SUBMIT is refused, and says why.
    phone.get_by_role("button", name="New Ticket").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_label("Subject").fill("Router lights blinking")
    dialog.get_by_label("Description").fill("All lights blink orange since this morning.")
    with provider_setting(portal, allow_ticket_creation=False):
        dialog.get_by_role("button", name="SUBMIT").click()
        expect(dialog.get_by_role("alert")).to_have_text(ticket_service.CREATION_OFF)
        _shot(phone, "tickets-refused")
        assert _history(portal, me.account_id, "opened") == []
        # Coming back: no New Ticket button, and the page says how to reach the provider instead.
        phone.goto("/tickets")
        expect(phone.locator(".ticket-item")).to_have_count(1)
        expect(phone.locator("#tickets-closed")).to_have_text(ticket_service.CREATION_OFF)
        expect(phone.get_by_role("button", name="New Ticket")).to_have_count(0)
        _fits_the_phone(phone)
        _shot(phone, "tickets-creation-off")
    phone.reload()
    expect(phone.get_by_role("button", name="New Ticket")).to_be_visible()
    expect(phone.locator("#tickets-closed")).to_have_count(0)


def test_service_change_off_hides_change_on_services(phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Ravi", last_name="Menon", package="FIBER1G")
    _open(phone, "/services", me)
    phone.get_by_role("button", name=re.compile("Fiber 1 Gig")).click()
    expect(phone.get_by_role("link", name="CHANGE Fiber 1 Gig")).to_be_visible()
    with provider_setting(portal, allow_service_change=False):
        phone.reload()
        phone.get_by_role("button", name=re.compile("Fiber 1 Gig")).click()
        expect(phone.locator(".package-items")).to_contain_text("Included")  # the package is open
        expect(phone.get_by_role("link", name="CHANGE Fiber 1 Gig")).to_have_count(0)
        _shot(phone, "services-change-off")
        # A CHANGE link kept from before (another tab, a bookmark) says why instead of offering packages.
        phone.goto(f"/services/change?service={me.service_id}")
        expect(phone.locator("#change-unavailable")).to_have_text(
            "Package changes are not available online. Please contact us.")
    phone.goto("/services")
    phone.get_by_role("button", name=re.compile("Fiber 1 Gig")).click()
    expect(phone.get_by_role("link", name="CHANGE Fiber 1 Gig")).to_be_visible()


# --- 8. the Security page ---------------------------------------------------------------------


def test_security_change_password(phone: Page, portal, smtp) -> None:
    me = make_persona(portal, first_name="Hana", last_name="Sato")
    _open(phone, "/security", me)
    expect(phone.get_by_role("heading", name="Sign-in and security")).to_be_visible()
    phone.get_by_label("Current password", exact=True).first.fill("not-the-current-one")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="CHANGE PASSWORD").click()
    expect(phone.get_by_text("That is not your current password.")).to_be_visible()
    phone.get_by_label("Current password", exact=True).first.fill(me.password)
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="CHANGE PASSWORD").click()
    expect(phone.locator("#security-notice")).to_have_text("Your password has been changed. Other devices were signed out.")
    _shot(phone, "security-password")

    phone.get_by_role("button", name="Sign out", exact=True).click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    wait_until_settled(phone)
    sign_in(phone, me.username, me.password)
    expect(phone.locator("#signin-error")).to_have_text("The username or password is incorrect.")
    sign_in(phone, me.username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Hana")).to_be_visible()
    _deliver_mail(portal, smtp)
    [notice] = smtp.wait_for(me.email)
    assert "password was changed" in notice["Subject"]


def test_security_change_email_confirmed_by_the_link(phone: Page, portal, smtp) -> None:
    me = make_persona(portal, first_name="Kofi", last_name="Mensah")
    new_email = f"kofi.{uuid.uuid4().hex[:8]}@mail.example"
    _open(phone, "/security", me)
    expect(phone.locator("#current-email")).to_contain_text(me.email)
    phone.get_by_label("New email address").fill(new_email)
    phone.get_by_label("Current password").last.fill(me.password)
    phone.get_by_role("button", name="CHANGE EMAIL").click()
    expect(phone.locator("#security-notice")).to_have_text(
        f"We sent a link to {new_email}. Your email address changes when you open it.")
    expect(phone.locator("#current-email")).to_contain_text(me.email)  # nothing changes before the link
    _shot(phone, "security-email-sent")

    _deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(new_email)
    link = link_in(mail)
    assert link.startswith("/confirm-email?token=")
    phone.goto(link)
    expect(phone.locator("#confirm-notice")).to_have_text(
        "Your email address has been changed. We told your old address too.")
    _deliver_mail(portal, smtp)
    told = smtp.wait_for(me.email)
    assert any("email address was changed" in m["Subject"] for m in told)
    phone.goto(link)
    expect(phone.locator("#confirm-error")).to_be_visible()  # once only

    phone.goto("/security")
    expect(phone.locator("#current-email")).to_contain_text(new_email)
    phone.get_by_role("button", name="Sign out", exact=True).click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    wait_until_settled(phone)
    sign_in(phone, new_email, me.password)  # the new address now signs in
    expect(phone.get_by_role("heading", name="Hi, Kofi")).to_be_visible()


def test_security_sign_out_everywhere_ends_the_other_device(browser, phone: Page, portal) -> None:
    me = make_persona(portal, first_name="Sara", last_name="Lind")
    other = _second_phone(browser, portal)
    _home(other, me, "Sara")
    _open(phone, "/security", me)
    phone.get_by_role("button", name="SIGN OUT EVERYWHERE").click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    expect(phone.get_by_role("heading", name="Hi, Sara")).to_have_count(0)

    # The other phone still shows Home; its next tap is sent to sign-in, and shows nothing of the account.
    expect(other.get_by_role("heading", name="Hi, Sara")).to_be_visible()
    other.get_by_role("link", name="Tickets", exact=True).click()
    other.wait_for_url(re.compile(r"/signin/?\?"))
    expect(other.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    expect(other.get_by_text(me.number)).to_have_count(0)
    _shot(other, "signed-out-everywhere-other")
    assert _history(portal, me.account_id, "signed_out_everywhere")
    other.goto("/")
    other.wait_for_url("**/signin**")
    other.context.close()
