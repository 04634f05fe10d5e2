"""Access flows in Chromium at 390×844, with mail delivered by the real job to a real SMTP server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.models import Account, AccountMembership, PortalUser, utcnow
from portal_app.services.identity import portal_users
from portal_app.services.identity.secrets_util import hash_password
from tests.e2e.conftest import ARTIFACTS, PHONE, PROJECT_ROOT
from tests.e2e.helpers import sign_in
from tests.e2e.personas import maya_copy
from tests.smtp_sink import SmtpSink, link_in

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "lantern-orchard-copper-49"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def deliver_mail(portal, smtp: SmtpSink) -> None:
    """Run the real delivery job against the app's database and the test SMTP server."""
    env = {**os.environ, "PORTAL_DATABASE_URL": portal.database_url, "PORTAL_SMTP_URL": smtp.url}
    subprocess.run([sys.executable, "-m", "portal_app", "deliver-mail"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True)


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _verified_user(portal, *, password: str = NEW_PASSWORD) -> PortalUser:
    """A verified sign-in of its own on the demo residential account (no mail sent)."""
    name = _unique("e2e")
    with Session(portal.engine, expire_on_commit=False) as db:
        account = db.exec(select(Account).where(Account.account_number == "100200300")).one()
        user = PortalUser(
            account_id=account.id, username=name, email=f"{name}@mail.example",
            password_hash=hash_password(password), verified_at=utcnow(),
        )
        db.add(user)
        db.flush()
        db.add(AccountMembership.home_of(user))
        db.commit()
        return user


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _staff_page(browser, portal) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    context.set_default_timeout(20_000)
    return context.new_page()


def test_staff_add_a_portal_user_who_verifies_sets_a_password_and_signs_in(browser, phone: Page, portal, smtp) -> None:
    maya = maya_copy(portal)
    staff = _staff_page(browser, portal)
    staff.goto("/staff")
    staff.wait_for_url("**/staff/signin**")
    staff.get_by_label("Staff username").fill("staff")
    staff.get_by_label("Password").fill("demo-staff-2026")
    staff.get_by_role("button", name="SIGN IN").click()
    expect(staff.get_by_role("heading", name="Find an account")).to_be_visible()
    staff.get_by_label("Account number, name, email or phone").fill(maya.number)
    staff.get_by_role("button", name="SEARCH").click()
    staff.get_by_role("link", name=re.compile(f"Maya Okafor.*{maya.number}")).click()
    expect(staff.get_by_role("heading", name="Maya Okafor")).to_be_visible()
    _fits_the_phone(staff)

    username = _unique("kid")
    email = f"{username}@mail.example"
    staff.get_by_label("Email").fill(email)
    staff.get_by_label("Username").fill(username)
    staff.get_by_role("button", name="ADD PORTAL USER").click()
    expect(staff.locator("#staff-notice")).to_contain_text(f"Portal user {username} added")
    row = staff.locator("#portal-users > div", has_text=username)
    expect(row).to_contain_text("Pending")
    expect(row.get_by_role("button", name="RESEND VERIFICATION EMAIL")).to_be_visible()
    staff.screenshot(path=str(ARTIFACTS / "staff-portal-tab.png"), full_page=True)

    deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(email)
    link = link_in(mail)
    assert link.startswith("/verify?token=")

    phone.goto(link)
    expect(phone.get_by_text(f"Choose a password for {username}.")).to_be_visible()
    phone.get_by_label("New password", exact=True).fill("qwerty123456")
    phone.get_by_label("New password again").fill("qwerty123456")
    phone.get_by_role("button", name="SET PASSWORD").click()
    expect(phone.locator("#password-error")).to_contain_text("most common")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="SET PASSWORD").click()
    phone.wait_for_url("**/signin?reason=verified")
    expect(phone.get_by_text("Your email address is verified.")).to_be_visible()
    sign_in(phone, username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()

    # The link worked once; the staff Portal tab now says Verified, and History has both steps.
    phone.goto(link)
    expect(phone.locator("#verify-error")).to_contain_text("expired or has already been used")
    staff.reload()
    expect(staff.locator("#portal-users > div", has_text=username)).to_contain_text("Verified")
    staff.get_by_role("tab", name="History (ALL)").click()
    history = staff.locator("#history")
    expect(history).to_contain_text(f"{username} verified {email}")
    expect(history).to_contain_text(f"added portal user '{username}'")
    newest = history.locator("> div").first
    expect(newest).to_contain_text(f"{username} signed in")
    staff.get_by_label("Kind").click()
    staff.get_by_role("option", name="ticket").click()
    expect(history).not_to_contain_text("signed in")
    staff.screenshot(path=str(ARTIFACTS / "staff-history-tab.png"), full_page=True)
    staff.context.close()


def test_self_sign_up_verify_and_sign_in(phone: Page, portal, smtp) -> None:
    username = _unique("self")
    email = f"{username}@mail.example"
    phone.goto("/signin")
    phone.get_by_role("link", name="CREATE ACCOUNT").click()
    phone.wait_for_url("**/signup")
    phone.wait_for_load_state("networkidle")
    phone.get_by_label("Account number").fill("100200300")
    phone.get_by_label("Account holder's last name").fill("Smith")  # does not match
    phone.get_by_label("First name").fill("Maya")
    phone.get_by_label("Last name", exact=True).fill("Okafor")
    phone.get_by_label("Phone").fill("512 555 0142")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Username").fill(username)
    phone.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="CREATE ACCOUNT").click()
    expect(phone.locator("#signup-error")).to_have_text(portal_users.NO_MATCH)
    phone.get_by_label("Account holder's last name").fill("okafor")
    phone.get_by_role("button", name="CREATE ACCOUNT").click()

    # Proof of control: the link goes to an address already on the account, never to the one typed.
    holder = "maya.okafor@lumen-demo.example"
    expect(phone.get_by_text("We found your account.")).to_be_visible()
    _fits_the_phone(phone)
    phone.screenshot(path=str(ARTIFACTS / "signup-prove.png"), full_page=True)
    assert _axe_problems(phone) == []
    phone.get_by_label("m•••@l•••.example").check()
    phone.get_by_role("button", name="SEND LINK").click()
    expect(phone.locator("#signup-link-sent")).to_contain_text("m•••@l•••.example")
    deliver_mail(portal, smtp)
    proof = next(m for m in reversed(smtp.wait_for(holder))
                 if f"'{username}'" in m.get_body(preferencelist=("plain",)).get_content())
    assert smtp.to(email) == []  # nothing reaches the typed address before the proof
    phone.goto(link_in(proof))
    expect(phone.locator("#confirm-sign-up-notice")).to_contain_text(email)
    phone.screenshot(path=str(ARTIFACTS / "signup-done.png"), full_page=True)

    # Before verifying: refused, with an offer to resend.
    phone.goto("/signin")
    sign_in(phone, username, NEW_PASSWORD)
    expect(phone.locator("#signin-error")).to_contain_text("not verified yet")
    phone.get_by_role("button", name="Send a new verification link").click()
    expect(phone.get_by_text(portal_users.RESEND_SENT)).to_be_visible()

    deliver_mail(portal, smtp)
    mails = smtp.wait_for(email, count=2)
    phone.goto(link_in(mails[-1]))
    phone.wait_for_url("**/signin?reason=verified")
    sign_in(phone, username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()


def test_forgotten_password_reset_by_email(phone: Page, portal, smtp) -> None:
    user = _verified_user(portal)
    phone.goto("/signin")
    phone.get_by_role("link", name="Don't remember your password?").click()
    phone.wait_for_url("**/forgot-password")
    phone.wait_for_load_state("networkidle")
    phone.get_by_label("Email").fill("nobody-here@mail.example")
    phone.get_by_role("button", name="SEND RESET LINK").click()
    unknown = phone.locator("#reset-notice").inner_text()
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_role("button", name="SEND RESET LINK").click()
    expect(phone.locator("#reset-notice")).to_have_text(unknown)  # the same answer for both
    phone.screenshot(path=str(ARTIFACTS / "forgot-password.png"), full_page=True)

    deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(user.email)
    link = link_in(mail)
    assert link.startswith("/reset-password?token=")
    phone.goto(link)
    phone.get_by_label("New password", exact=True).fill("brand-new-harbor-lights")
    phone.get_by_label("New password again").fill("brand-new-harbor-lights")
    phone.get_by_role("button", name="CHANGE PASSWORD").click()
    phone.wait_for_url("**/signin?reason=reset")
    sign_in(phone, user.username, NEW_PASSWORD)
    expect(phone.locator("#signin-error")).to_have_text("The username or password is incorrect.")
    sign_in(phone, user.username, "brand-new-harbor-lights")
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    phone.goto(link)
    expect(phone.locator("#reset-error")).to_be_visible()
    deliver_mail(portal, smtp)
    notice = smtp.wait_for(user.email, count=2)[-1]
    assert "password was changed" in notice["Subject"]


def test_two_factor_enrolment_then_sign_in_with_a_code_and_with_a_recovery_code(phone: Page, portal) -> None:
    user = _verified_user(portal)
    phone.goto("/signin?next=%2Fsecurity")
    sign_in(phone, user.username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Sign-in and security")).to_be_visible()
    phone.get_by_role("button", name="SET UP TWO-FACTOR").click()
    expect(phone.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = phone.locator("#manual-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    phone.get_by_label("2. Enter the 6-digit code the app shows").fill(totp.now())
    phone.get_by_role("button", name="TURN ON").click()
    expect(phone.locator("#two-factor-state")).to_have_text("On")
    codes = phone.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    _fits_the_phone(phone)
    phone.screenshot(path=str(ARTIFACTS / "security-two-factor.png"), full_page=True)
    assert _axe_problems(phone) == []

    phone.get_by_role("button", name="Sign out", exact=True).click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    sign_in(phone, user.username, NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    phone.get_by_label("Code").fill("000000")
    phone.get_by_role("button", name="VERIFY").click()
    expect(phone.locator("#signin-error")).to_contain_text("That code is not right")
    phone.get_by_label("Code").fill(totp.now())
    phone.get_by_role("button", name="VERIFY").click()
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()

    phone.get_by_role("button", name="Sign out", exact=True).click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    sign_in(phone, user.username, NEW_PASSWORD)
    phone.get_by_label("Code").fill(codes[0])
    phone.get_by_role("button", name="VERIFY").click()
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()


def test_staff_and_subscriber_sessions_do_not_mix(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    sign_in_page = "/signin?next=%2Fstaff"
    phone.goto(sign_in_page)
    sign_in(phone, maya.username, maya.password)
    phone.wait_for_url("**/staff/signin**")  # a subscriber session is no staff session
    expect(phone.get_by_role("heading", name="Staff sign in")).to_be_visible()


SERIOUS = {"serious", "critical"}


def _axe_problems(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes']][:5]}"
        for v in violations
        if v.get("impact") in SERIOUS
    ]


def test_staff_account_tabs_pass_axe_and_fit_the_phone(browser, portal) -> None:
    # Every page's first view is checked from the page registry (test_every_page); this covers a tab.
    staff = _staff_page(browser, portal)
    staff.goto("/staff/signin")
    staff.wait_for_load_state("networkidle")
    staff.get_by_label("Staff username").fill("staff")
    staff.get_by_label("Password").fill("demo-staff-2026")
    staff.get_by_role("button", name="SIGN IN").click()
    expect(staff.get_by_role("heading", name="Find an account")).to_be_visible()
    assert _axe_problems(staff) == [], "/staff"
    staff.goto("/staff/account?number=100200400")
    expect(staff.get_by_role("heading", name="Bluebonnet Bakery LLC")).to_be_visible()
    _fits_the_phone(staff)
    assert _axe_problems(staff) == [], "/staff/account"
    staff.get_by_role("tab", name="History (ALL)").click()
    expect(staff.locator("#history > div").first).to_be_visible()
    assert _axe_problems(staff) == [], "/staff/account history"
    staff.context.close()
