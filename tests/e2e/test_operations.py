"""A provider runs it, in the browser at 390×844: the first admin from the command line signs in,
invites an agent who cannot open Settings, a setting changes a subscriber's page, jobs show their runs,
imported subscribers sign themselves up, staff sign in with the provider's identity provider."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from portal_app.models import Account, OutboxMail, StaffAuditEntry
from tests.e2e.conftest import ARTIFACTS, OIDC_DOMAIN, OIDC_LABEL, PHONE, PROJECT_ROOT
from tests.e2e.helpers import SOCKET_WATCH, sign_in, wait_until_settled
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-staff-passphrase-7"


def _cli(portal, *args: str, **env: str) -> str:
    run_env = {**os.environ, "PORTAL_DATABASE_URL": portal.database_url, **env}
    run_env["PATH"] = f"{Path(sys.executable).parent}:{run_env.get('PATH', '')}"
    done = subprocess.run([sys.executable, "-m", "portal_app", *args], cwd=PROJECT_ROOT, env=run_env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def _new_admin(portal) -> str:
    username = f"admin{uuid.uuid4().hex[:6]}"
    out = _cli(portal, "create-admin", "--username", username, "--name", "Ada Admin",
               "--email", f"{username}@provider.example", PORTAL_ADMIN_PASSWORD=PASSWORD)
    assert f"as {username}" in out
    return username


def _staff_sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()


def _phone(browser, portal) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    return context.new_page()


def test_create_admin_then_invite_an_agent_who_cannot_open_settings(browser, portal, phone: Page) -> None:
    admin = _new_admin(portal)
    _staff_sign_in(phone, admin)
    phone.goto("/staff/users")
    expect(phone.get_by_role("heading", name="Staff users")).to_be_visible()
    email = f"agent{uuid.uuid4().hex[:6]}@provider.example"
    phone.get_by_label("Full name").fill("Sam Agent")
    phone.get_by_label("Email").fill(email)
    phone.get_by_role("button", name="SEND INVITATION").click()
    expect(phone.locator("#staff-notice")).to_contain_text(f"Invitation sent to {email}")
    expect(phone.locator(f'.staff-user-row[data-username="{email}"]')).to_contain_text("Invited, no password yet")
    phone.screenshot(path=str(ARTIFACTS / "ops-staff-users.png"), full_page=True)

    with Session(portal.engine) as db:
        mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == email)
                       .order_by(col(OutboxMail.id).desc())).first()
    path = "/staff/set-password?token=" + mail.body_text.split("/staff/set-password?token=")[1].split()[0]
    agent = _phone(browser, portal)
    agent.goto(path)
    expect(agent.get_by_text(email)).to_be_visible()
    agent.screenshot(path=str(ARTIFACTS / "ops-set-password-form.png"), full_page=True)
    agent.get_by_label("New password", exact=True).fill(PASSWORD)
    agent.get_by_label("New password again").fill(PASSWORD)
    agent.get_by_role("button", name="SET PASSWORD").click()
    expect(agent.locator("#set-password-done")).to_be_visible()
    agent.screenshot(path=str(ARTIFACTS / "ops-set-password.png"), full_page=True)
    agent.goto(path)  # single use
    expect(agent.locator("#set-password-error")).to_contain_text("expired or was used")

    _staff_sign_in(agent, email)
    agent.goto("/staff/settings")
    expect(agent.locator("#staff-refused")).to_contain_text("Only an admin can do that.")
    expect(agent.get_by_role("button", name="SAVE SETTINGS")).to_have_count(0)
    expect(agent.get_by_role("link", name="Settings")).to_have_count(0)  # not in an agent's navigation
    expect(agent.get_by_role("link", name="Jobs")).to_be_visible()
    agent.screenshot(path=str(ARTIFACTS / "ops-agent-refused-settings.png"), full_page=True)
    agent.context.close()

    phone.goto("/staff/audit")
    phone.get_by_label("Text (account, username, detail)").fill(email)
    phone.get_by_role("button", name="FILTER").click()
    expect(phone.locator(".audit-row").filter(has_text="staff.invite")).to_have_count(1)
    expect(phone.locator(".audit-row").filter(has_text="staff.password_set")).to_have_count(1)


def test_a_setting_changes_what_a_subscriber_sees(browser, portal, phone: Page) -> None:
    me = make_persona(portal)
    admin = _new_admin(portal)
    staff = _phone(browser, portal)
    _staff_sign_in(staff, admin)
    staff.goto("/staff/settings")
    wait_until_settled(staff)
    with portal.engine.connect() as connection:
        before = connection.execute(sa.text("SELECT allow_ticket_creation, max_payment_cents FROM provider_settings")).one()
    try:
        staff.get_by_label("Subscribers can open tickets").select_option("off")
        staff.get_by_role("button", name="SAVE SETTINGS").click()
        expect(staff.locator("#staff-notice")).to_contain_text("Saved")
        expect(staff.locator(".settings-change").first).to_contain_text("Subscribers can open tickets: on → off")
        expect(staff.locator("#theme-view")).to_contain_text("Accent shown")
        staff.screenshot(path=str(ARTIFACTS / "ops-settings.png"), full_page=True)

        phone.goto("/signin")
        sign_in(phone, me.username, me.password)
        expect(phone.get_by_role("heading", name="Hi, Lena")).to_be_visible()
        phone.goto("/tickets")
        expect(phone.get_by_role("heading", name="Tickets")).to_be_visible()
        wait_until_settled(phone)
        expect(phone.get_by_role("button", name="New Ticket")).to_have_count(0)
        phone.screenshot(path=str(ARTIFACTS / "ops-tickets-without-new.png"), full_page=True)

        staff.get_by_label("Largest online payment (dollars)").fill("0.50")
        staff.get_by_role("button", name="SAVE SETTINGS").click()
        expect(staff.locator("#setting-max_payment_cents-error")).to_contain_text("more than the smallest")
        staff.reload()
        wait_until_settled(staff)
        staff.get_by_label("Subscribers can open tickets").select_option("on")
        staff.get_by_role("button", name="SAVE SETTINGS").click()
        expect(staff.locator("#staff-notice")).to_contain_text("Saved")
        phone.reload()
        expect(phone.get_by_role("heading", name="Tickets")).to_be_visible()
        expect(phone.get_by_role("button", name="New Ticket")).to_be_visible()
    finally:
        portal.sql("UPDATE provider_settings SET allow_ticket_creation = :on, max_payment_cents = :most",
                   on=before[0], most=before[1])
        staff.context.close()


def test_staff_see_the_job_runner_status(portal, phone: Page) -> None:
    out = _cli(portal, "worker", "--once", "cleanup")
    assert "removed" in out or "not due" in out
    admin = _new_admin(portal)
    _staff_sign_in(phone, admin)
    phone.goto("/staff/jobs")
    row = phone.locator('.job-row[data-job="cleanup"]')
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("daily at 3:30")
    expect(phone.locator('.job-row[data-job="billing"]')).to_contain_text("next")
    expect(phone.locator('.job-row[data-job="expiry_reminders"]')).to_contain_text("Card-expiry reminders")
    expect(phone.locator('.job-row[data-job="expiry_reminders"]')).to_contain_text("daily at 9:00")
    phone.screenshot(path=str(ARTIFACTS / "ops-jobs.png"), full_page=True)


def test_import_the_sample_files_then_an_imported_subscriber_signs_up(browser, portal, phone: Page) -> None:
    """The provider's flow end to end: its export goes in (dry run, then apply) on the admin page; one
    of its subscribers then makes their own sign-in at /signup, proves it through the address the
    import put on the account, verifies their email and sees the balance and bills that came in."""
    samples = PROJECT_ROOT / "samples" / "import"
    staff = _phone(browser, portal)
    _staff_sign_in(staff, _new_admin(portal))
    staff.goto("/staff/import")
    expect(staff.get_by_role("heading", name="Import subscribers")).to_be_visible()
    staff.locator("#import-files").set_input_files(sorted(str(p) for p in samples.glob("*.csv")))
    staff.get_by_role("button", name="UPLOAD AND CHECK").click()
    staff.wait_for_url(re.compile(r"/staff/import/?\?batch=\d+$"))
    report = staff.locator("#import-report")
    expect(report.get_by_role("heading", name="Dry run")).to_be_visible()
    expect(report.locator(".import-count").filter(has_text="accounts.csv")).to_contain_text("3 new")
    expect(report.locator(".import-row").filter(has_text="accounts.csv row 2")).to_contain_text("700100001")
    staff.screenshot(path=str(ARTIFACTS / "ops-import-dry-run.png"), full_page=True)
    with Session(portal.engine) as db:
        assert db.exec(select(Account).where(Account.account_number == "700100001")).first() is None
    staff.get_by_role("button", name="APPLY").click()
    expect(staff.locator("#import-applied")).to_contain_text("applied")
    staff.screenshot(path=str(ARTIFACTS / "ops-import-applied.png"), full_page=True)
    staff.goto("/staff/account?number=700100001")
    expect(staff.get_by_text("Rosa Delgado").first).to_be_visible()
    staff.context.close()

    # Rosa (accounts.csv row 2, her address from contacts.csv) sets up her own sign-in.
    username = f"rosa{uuid.uuid4().hex[:6]}"
    email = f"{username}@mail.example"
    phone.goto("/signin")
    phone.get_by_role("link", name="CREATE ACCOUNT").click()
    phone.wait_for_url("**/signup")
    wait_until_settled(phone)
    phone.get_by_label("Account number").fill("700100001")
    phone.get_by_label("Account holder's last name").fill("Delgado")
    phone.get_by_label("First name").fill("Rosa")
    phone.get_by_label("Last name", exact=True).fill("Delgado")
    phone.get_by_label("Phone").fill("512 555 0141")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Username").fill(username)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_label("Password again").fill(PASSWORD)
    phone.get_by_role("button", name="CREATE ACCOUNT").click()
    expect(phone.get_by_text("We found your account.")).to_be_visible()
    phone.get_by_label("r•••@m•••.example").check()  # rosa.delgado@mail.example, from contacts.csv
    phone.get_by_role("button", name="SEND LINK").click()
    expect(phone.locator("#signup-link-sent")).to_contain_text("r•••@m•••.example")
    phone.screenshot(path=str(ARTIFACTS / "ops-imported-signup-link-sent.png"), full_page=True)
    phone.goto(_outbox_link("rosa.delgado@mail.example", containing=f"'{username}'", portal=portal))
    expect(phone.locator("#confirm-sign-up-notice")).to_contain_text(email)
    phone.goto(_outbox_link(email, containing="/verify", portal=portal))
    phone.wait_for_url("**/signin?reason=verified")
    sign_in(phone, username, PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Rosa")).to_be_visible()
    expect(phone.locator("#subscriber-id")).to_contain_text("700100001")
    expect(phone.locator("#balance")).to_have_text("$55.00")  # October paid (payments.csv), November open
    phone.screenshot(path=str(ARTIFACTS / "ops-imported-subscriber-home.png"), full_page=True)
    phone.goto("/invoices")
    rows = phone.locator(".invoice-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="IMP-2026-11-0001")).to_contain_text("$55.00")
    expect(rows.filter(has_text="IMP-2026-10-0001")).to_contain_text(re.compile("paid", re.IGNORECASE))
    phone.screenshot(path=str(ARTIFACTS / "ops-imported-subscriber-invoices.png"), full_page=True)


def _outbox_link(to: str, *, containing: str, portal) -> str:
    """The link in the newest outbox mail to `to` whose body holds `containing`, as a path."""
    with Session(portal.engine) as db:
        mails = db.exec(select(OutboxMail).where(OutboxMail.to_address == to).order_by(col(OutboxMail.id).desc())).all()
    body = next(m.body_text for m in mails if containing in m.body_text)
    match = re.search(r"https?://[^/\s]+(/[^\s]*token=[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def test_staff_sign_in_with_the_identity_provider(browser, portal, oidc_idp, phone: Page) -> None:
    username = f"idp{uuid.uuid4().hex[:6]}"
    email = f"{username}@{OIDC_DOMAIN}"
    _cli(portal, "create-admin", "--username", username, "--name", "Ida Provider", "--email", email,
         PORTAL_ADMIN_PASSWORD=PASSWORD)
    oidc_idp.reset(email=email, name="Ida Provider")
    oidc_idp.show_page = True  # the provider's own page in between, as a real one has
    phone.goto("/staff/signin?next=/staff/jobs")
    button = phone.get_by_role("link", name=f"SIGN IN WITH {OIDC_LABEL.upper()}")
    expect(button).to_be_visible()
    expect(phone.get_by_text("never creates an account")).to_be_visible()
    assert button.bounding_box()["height"] >= 44
    phone.screenshot(path=str(ARTIFACTS / "ops-staff-signin-oidc.png"), full_page=True)
    button.click()
    expect(phone.get_by_role("heading", name="Test IdP")).to_be_visible()
    phone.get_by_role("link", name="Continue to the portal").click()
    expect(phone.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    assert urlsplit(phone.url).path.rstrip("/") == "/staff/jobs"
    phone.screenshot(path=str(ARTIFACTS / "ops-staff-oidc-signed-in.png"), full_page=True)
    with Session(portal.engine) as db:
        assert db.exec(select(StaffAuditEntry).where(StaffAuditEntry.action == "staff.sign_in_oidc",
                                                     StaffAuditEntry.target == username)).first() is not None

    # An address the provider has not verified: back on the sign-in page with the reason.
    other = _phone(browser, portal)
    oidc_idp.reset(email=email, email_verified=False)
    other.goto("/staff/signin")
    other.get_by_role("link", name=f"SIGN IN WITH {OIDC_LABEL.upper()}").click()
    expect(other.locator("#staff-signin-error")).to_contain_text("has not verified your email address")
    assert urlsplit(other.url).path.rstrip("/") == "/staff/signin"
    other.screenshot(path=str(ARTIFACTS / "ops-staff-oidc-refused.png"), full_page=True)
    other.context.close()
    oidc_idp.reset()


def test_create_an_api_key_and_upsert_an_invoice_with_it(portal, phone: Page) -> None:
    import json
    import urllib.request

    admin = _new_admin(portal)
    _staff_sign_in(phone, admin)
    phone.goto("/staff/api-keys")
    phone.get_by_label("Name (the system that uses it)").fill("Billing system")
    phone.get_by_role("button", name="CREATE KEY").click()
    key = phone.locator("#new-api-key").inner_text()
    assert key.startswith("pk_")
    phone.screenshot(path=str(ARTIFACTS / "ops-api-key.png"), full_page=True)
    number = f"72{uuid.uuid4().int % 10**7:07d}"
    body = {"accounts": [{"account_id": number, "first_name": "Ida", "last_name": "Novak"}],
            "invoices": [{"account_id": number, "invoice_number": f"API-{number}", "issued_on": "2026-11-01",
                          "due_on": "2026-11-21", "period_start": "2026-11-01", "period_end": "2026-11-30",
                          "total": "60.00", "lines": [{"description": "Fiber 300", "amount": "60.00"}]}]}
    request = urllib.request.Request(f"{portal.base_url}/api/v1/upsert", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        rows = json.loads(response.read())["rows"]
    assert ("invoice", "create") in {(r["kind"], r["outcome"]) for r in rows}
    phone.goto(f"/staff/account?number={number}")
    expect(phone.get_by_text("Ida Novak").first).to_be_visible()


def test_the_admin_pages_on_a_desktop(browser, portal) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=portal.base_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        _staff_sign_in(page, _new_admin(portal))
        for route, heading in (("/staff/settings", "Settings"), ("/staff/users", "Staff users"),
                               ("/staff/import", "Import subscribers"), ("/staff/jobs", "Jobs"),
                               ("/staff/audit", "Audit log"), ("/staff/api-keys", "API keys"),
                               ("/staff/webhooks", "Webhooks")):
            page.goto(route)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            page.screenshot(path=str(ARTIFACTS / f"ops-desktop-{route.rsplit('/', 1)[1]}.png"), full_page=True)
    finally:
        context.close()


def test_staff_navigation_on_a_phone_for_an_admin_and_an_agent(browser, portal) -> None:
    """The subscriber shell's shape: a bottom bar with the pages every role uses, an admin's own pages
    under More (reachable with the keyboard), nothing wider than a 360 px phone, 44 px targets."""
    admin = _new_admin(portal)
    agent = f"agent{uuid.uuid4().hex[:6]}"
    _cli(portal, "create-admin", "--username", agent, "--name", "Ari Agent", "--email", f"{agent}@provider.example",
         PORTAL_ADMIN_PASSWORD=PASSWORD)
    portal.sql("UPDATE staff_user SET role = 'agent' WHERE username = :name", name=agent)
    for who, width in ((admin, 390), (admin, 360), (agent, 390), (agent, 360)):
        context = browser.new_context(viewport={"width": width, "height": 844}, base_url=portal.base_url)
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            _staff_sign_in(page, who)
            bar = page.get_by_role("navigation", name="Staff")
            expect(bar.get_by_role("link", name="Accounts")).to_have_attribute("aria-current", "page")
            for name in ("Mail", "Jobs"):
                expect(bar.get_by_role("link", name=name)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shown = page.evaluate("[...document.querySelectorAll('nav[aria-label=Staff]')]"
                                  ".filter(nav => nav.getClientRects().length).map(nav => nav.scrollWidth)")
            assert len(shown) == 1 and shown[0] <= width  # the bottom bar only, and it does not scroll sideways
            for link in bar.get_by_role("link").all():
                box = link.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= width
            page.screenshot(path=str(ARTIFACTS / f"ops-staff-nav-{'admin' if who == admin else 'agent'}-{width}.png"))
            more = bar.get_by_role("button", name="More destinations")
            if who == agent:
                expect(more).to_have_count(0)  # an agent's few pages all fit
                expect(page.get_by_role("link", name="Settings")).to_have_count(0)
                continue
            more.focus()
            page.keyboard.press("Enter")
            menu = page.get_by_role("menu")
            for name in ("Catalogue", "Settings", "Staff", "Audit log", "Import", "API keys", "Webhooks"):
                expect(menu.get_by_role("menuitem", name=name)).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"ops-staff-nav-more-{width}.png"))
            page.keyboard.press("Escape")
            expect(menu).to_have_count(0)
            more.focus()
            page.keyboard.press("Enter")
            settings = menu.get_by_role("menuitem", name="Settings")
            for _ in range(15):  # arrow down to it, as a keyboard user would
                if settings.evaluate("item => item === document.activeElement"):
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
        finally:
            context.close()
