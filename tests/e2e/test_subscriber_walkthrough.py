"""Issue #18: what a subscriber hit walking every flow on a phone (390×844), one test per defect.

Each test makes its own subscriber in the running app's database (or its own ticket), so the
suite passes in any order and the demo personas stay as they were.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.jobs.demo_data import contract_body
from portal_app.models import (
    AccountHistory,
    AccountService,
    Appointment,
    Contact,
    ContactPoint,
    Contract,
    Package,
    Payment,
    PaymentMethod,
    RecurringPayment,
    ServiceArea,
    Ticket,
    TicketNote,
    utcnow,
)
from portal_app.services.billing import billing
from portal_app.services.orders import cart, package_change, workflows
from portal_app.services.core.principal import Principal
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in
from tests.e2e.test_services_orders import _cart_to_details
from tests.factories import make_account, make_invoice, make_payment, make_user

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-walkthrough-passphrase-1"
BANK = "Hill Country Credit Union"


def _subscriber(portal, *, bills=(5000, 7245), paid: int = 0, bank: bool = False, card: bool = False,
                kind: str = "residential", first_name: str = "Imani", company: str = "", email: str | None = None,
                package: str = "") -> dict:
    tag = uuid.uuid4().hex[:8]
    with Session(portal.engine, expire_on_commit=False) as db:
        area = db.exec(select(ServiceArea).where(ServiceArea.name == "Austin Metro")).one()
        account = make_account(db, first_name=first_name, last_name="Walker", kind=kind, company_name=company,
                               account_number=f"6{uuid.uuid4().int % 10**8:08d}", service_area_id=area.id)
        user = make_user(db, account, username=f"walk{tag}", email=email, password=PASSWORD)
        today = dt.date.today()
        for i, cents in enumerate(bills):
            make_invoice(db, account, cents, due_on=today + dt.timedelta(days=10 * i - 5))
        if paid:
            make_payment(db, account, paid)
        method_ids = {}
        if bank:
            row = PaymentMethod(account_id=account.id, kind="ach", gateway="sandbox", gateway_token="pm_sandbox_ach_e2e",
                                brand=BANK, last4="6789")
            db.add(row)
            db.flush()
            method_ids["bank"] = row.id
        if card:
            row = PaymentMethod(account_id=account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_e2e",
                                brand="Visa", last4="4242", exp_month=8, exp_year=2030)
            db.add(row)
            db.flush()
            method_ids["card"] = row.id
        if package:
            row = db.exec(select(Package).where(Package.code == package)).one()
            db.add(AccountService(account_id=account.id, package_id=row.id, name=row.name,
                                  monthly_price_cents=row.monthly_price_cents))
        db.commit()
        return {"account_id": account.id, "number": account.account_number, "username": user.username,
                "email": user.email, "user_id": user.id, "methods": method_ids}


def _open(page: Page, path: str, sub: dict) -> None:
    page.goto(path)
    page.wait_for_url("**/signin**")
    sign_in(page, sub["username"], PASSWORD)
    page.wait_for_url(re.compile(re.escape(path.rstrip("/")) + r"/?(\?.*)?$"))


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"walkthrough-{name}.png"), full_page=True)


def _home_nav(page: Page) -> None:
    """Back to Home the way a subscriber does it: the bottom bar (a client-side navigation)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    page.wait_for_url(re.compile(r"/$"))


# What Home paints while it loads: every text a subscriber could read, recorded on each DOM change.
WATCH_HOME = """
window.__painted = [];
const note = () => {
  const pick = (sel) => { const el = document.querySelector(sel); return el ? el.innerText.trim() : null; };
  const h1 = pick('h1');
  const seen = [
    h1 !== null ? 'h1=' + h1 : '',
    pick('#balance') !== null ? 'balance=' + pick('#balance') : '',
    pick('#due-date') !== null ? 'due=' + pick('#due-date') : '',
    pick('#subscriber-id') !== null ? 'id=' + pick('#subscriber-id') : '',
    [...document.querySelectorAll('a')].some(a => a.innerText.trim() === 'PAY BILL') ? 'PAY BILL' : '',
    pick('#contract-reminder') !== null ? 'contract-card' : '',
    pick('#scheduling-reminder') !== null ? 'scheduling-card' : '',
    document.getElementById('home-skeleton') ? 'skeleton' : '',
  ].filter(Boolean).join(' | ');
  if (seen && window.__painted[window.__painted.length - 1] !== seen) window.__painted.push(seen);
};
new MutationObserver(note).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _painted(page: Page) -> list[str]:
    return page.evaluate("window.__painted")


def _select_fits(page: Page, select_id: str) -> None:
    """The chosen option's text fits inside the native select (nothing cut at the right edge)."""
    fits = page.evaluate(
        """(id) => {
          const el = document.getElementById(id);
          const style = getComputedStyle(el);
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const text = el.options[el.selectedIndex].text;
          const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
          return [ctx.measureText(text).width, room, text];
        }""",
        select_id,
    )
    assert fits[0] <= fits[1], f"'{fits[2]}' needs {fits[0]:.0f}px, the select shows {fits[1]:.0f}px"


# 1 and 11 (stored-method dropdown) -----------------------------------------------------------


def test_autopay_set_up_with_a_stored_bank_account(phone: Page, portal) -> None:
    sub = _subscriber(portal, bank=True)
    _open(phone, "/autopay", sub)
    phone.get_by_label("Stored payment method").select_option(value=str(sub["methods"]["bank"]))
    expect(phone.locator("#ach-terms")).to_be_visible()
    expect(phone.locator("#setup-method option:checked")).to_contain_text("6789")
    _select_fits(phone, "setup-method")
    phone.get_by_role("button", name="ADD RECURRING").click()
    expect(phone.locator("#autopay-error")).to_contain_text("Tick the box")
    phone.get_by_label("I authorize this bank debit").check()
    phone.get_by_role("button", name="ADD RECURRING").click()
    expect(phone.locator("#autopay-notice")).to_contain_text("AutoPay is on")
    _shot(phone, "autopay-bank")
    with Session(portal.engine) as db:
        row = db.exec(select(RecurringPayment).where(RecurringPayment.account_id == sub["account_id"])).one()
        assert row.payment_method_id == sub["methods"]["bank"] and row.mandate_accepted_at is not None

    phone.goto("/pay")
    phone.get_by_label("Payment", exact=True).select_option(value=f"pm:{sub['methods']['bank']}")
    _select_fits(phone, "payment-method")


# 2 --------------------------------------------------------------------------------------------


def test_quick_pay_pays_ahead_while_the_account_holds_a_credit(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=(5000,), paid=6000)
    phone.goto("/quickpay")
    phone.get_by_label("Account number", exact=True).fill(sub["number"])
    phone.get_by_label("Last name or billing ZIP").fill("Walker")
    phone.get_by_role("button", name="CONTINUE").click()
    expect(phone.locator("#qp-due")).to_contain_text("$10.00 credit")
    phone.get_by_label("Amount").fill("25")
    phone.get_by_label("Card number").fill("4242 4242 4242 4242")
    phone.get_by_label("Expiry (MM/YY)").fill("12/31")
    phone.get_by_label("Security code").fill("123")
    phone.get_by_label("Billing ZIP").fill("78701")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#qp-done")).to_have_text("Payment received")
    _shot(phone, "quickpay-credit")
    with Session(portal.engine) as db:
        assert billing.balance_cents(db, account_id=sub["account_id"]) == -3500


# 3 --------------------------------------------------------------------------------------------


def test_home_shows_a_skeleton_until_this_visits_data_is_loaded(phone: Page, portal) -> None:
    sub = _subscriber(portal, card=True)
    phone.add_init_script(WATCH_HOME)
    phone.context.new_cdp_session(phone).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    _open(phone, "/", sub)
    expect(phone.locator("#balance")).to_have_text("$122.45")
    painted = _painted(phone)
    assert not [p for p in painted if "Nothing is due" in p or "h1=Hi," in p.split(" | ")], painted
    assert not [p for p in painted if "id=" in p and sub["number"] not in p], painted

    phone.get_by_role("link", name="PAY BILL").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    phone.get_by_label("Payment", exact=True).select_option(value=f"pm:{sub['methods']['card']}")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_have_text("Payment received")
    phone.evaluate("window.__painted = []")
    phone.get_by_role("link", name="Back to Home").click()
    expect(phone.locator("#balance")).to_have_text("$0.00")
    painted = _painted(phone)
    assert not [p for p in painted if "$122.45" in p or "PAY BILL" in p], painted
    assert any("skeleton" in p for p in painted), painted  # shapes stood in while the data came
    _shot(phone, "home-after-payment")


# 4 --------------------------------------------------------------------------------------------


def test_booking_the_install_updates_home_and_order_tracking_at_once(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=())
    with Session(portal.engine, expire_on_commit=False) as db:
        from portal_app.models import Account

        account = db.get(Account, sub["account_id"])
        workflows.create_workflow(db, principal=Principal.system("e2e"), account=account, kind="install",
                               title="Fiber 300 install", steps=cart.INSTALL_STEPS)
        db.add(Appointment(account_id=account.id, kind="install", title="Fiber 300 install"))
        db.commit()
    _open(phone, "/", sub)
    reminder = phone.locator("#scheduling-reminder")
    expect(reminder).to_contain_text("Fiber 300 install")
    reminder.get_by_role("button", name="Go to Scheduling").click()
    phone.wait_for_url("**/scheduling")
    phone.locator(".open-day").nth(1).click()
    phone.locator(".open-time").first.click()
    phone.get_by_role("button", name="SUBMIT").click()
    expect(phone.locator("#scheduling-confirmation")).to_contain_text("is booked for")
    _home_nav(phone)
    expect(phone.locator("#home-orders")).to_contain_text("Fiber 300 install")
    expect(phone.locator("#scheduling-reminder")).to_have_count(0)
    expect(phone.locator("#home-orders")).not_to_contain_text("Pick an install time")
    phone.goto("/orders")
    step = phone.locator(".tracker-step", has_text="Pick an install time")
    expect(step).to_have_attribute("data-state", "done")
    _shot(phone, "orders-after-booking")
    with Session(portal.engine) as db:
        actions = db.exec(select(AccountHistory.action).where(AccountHistory.account_id == sub["account_id"],
                                                              AccountHistory.kind == "workflow")).all()
        assert "task_complete" in actions


# 5 --------------------------------------------------------------------------------------------


def test_a_pending_bank_payment_shows_on_home_and_pay_defaults_to_what_is_left(phone: Page, portal) -> None:
    sub = _subscriber(portal, bank=True)
    _open(phone, "/pay", sub)
    phone.get_by_label("Payment", exact=True).select_option(value=f"pm:{sub['methods']['bank']}")
    phone.get_by_label("Amount").fill("100")
    phone.get_by_label("I authorize this bank debit").check()
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_have_text("Payment submitted")
    _home_nav(phone)
    expect(phone.locator("#pending-payment")).to_contain_text("$100.00 payment pending (bank)")
    expect(phone.locator("#left-to-pay")).to_contain_text("$22.45")
    _shot(phone, "home-pending-bank")
    phone.get_by_role("link", name="PAY BILL").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    expect(phone.get_by_label("Amount")).to_have_value("22.45")
    expect(phone.locator("#pay-balance")).to_contain_text("$100.00 payment pending (bank)")

    # When the pending debit covers everything, nothing is shown as due and PAY BILL goes away.
    with Session(portal.engine) as db:
        db.add(Payment(account_id=sub["account_id"], receipt_number=f"RCP-P-{sub['number']}", amount_cents=2245,
                       status="pending", method_kind="ach", method_label=f"{BANK} •••• 6789", gateway="sandbox",
                       idempotency_key=f"pending-{sub['number']}"))
        db.commit()
    phone.goto("/")
    expect(phone.locator("#pending-payment")).to_contain_text("$122.45 payment pending (bank)")
    expect(phone.get_by_role("link", name="PAY BILL")).to_have_count(0)
    expect(phone.locator("#due-date")).not_to_contain_text("Past due")


# 6 --------------------------------------------------------------------------------------------


def test_services_shows_a_pending_package_change_and_offers_no_second_change(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=(), package="FIBER300")
    with Session(portal.engine) as db:
        principal = Principal(kind="subscriber", display_name="Imani", user_id=sub["user_id"],
                              account_id=sub["account_id"])
        service = db.exec(select(AccountService).where(AccountService.account_id == sub["account_id"])).one()
        gig = db.exec(select(Package).where(Package.code == "FIBER2G")).one()
        package_change.place_package_change(db, principal=principal, service_id=service.id, package_id=gig.id,
                                            prorate_now=False, paperless=True)
        db.commit()
        workflow_id = package_change.open_change(db, sub["account_id"]).id
    _open(phone, "/services", sub)
    line = phone.locator(".service-line", has_text="Fiber 300")
    expect(line).to_contain_text("Change to Fiber 2 Gig pending")
    line.click()
    expect(phone.locator(".package-items")).to_be_visible()
    expect(phone.get_by_role("link", name="CHANGE Fiber 300")).to_have_count(0)
    link = phone.get_by_role("link", name="Follow the change in Order Tracking")
    expect(link).to_have_attribute("href", f"/orders#order-{workflow_id}")
    _shot(phone, "services-pending-change")
    link.click()
    phone.wait_for_url(re.compile(r"/orders/?#order-\d+$"))
    expect(phone.locator(f"#order-{workflow_id}")).to_contain_text("Change to Fiber 2 Gig")


# 7 --------------------------------------------------------------------------------------------


def test_a_credit_reads_the_same_on_home_pay_and_the_confirmation(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=(5000,), card=True)
    _open(phone, "/pay", sub)
    phone.get_by_label("Payment", exact=True).select_option(value=f"pm:{sub['methods']['card']}")
    phone.get_by_label("Amount").fill("60")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#done-balance")).to_contain_text("$10.00 credit")
    phone.goto("/pay")
    expect(phone.locator("#pay-balance")).to_contain_text("$10.00 credit")
    expect(phone.locator("#pay-balance")).not_to_contain_text("-$")
    phone.goto("/")
    expect(phone.locator("#balance")).to_have_text("$10.00 credit")


# 8 --------------------------------------------------------------------------------------------


def test_both_reminders_stay_until_done_or_later_for_the_session(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=())
    with Session(portal.engine) as db:
        db.add(Contract(account_id=sub["account_id"], title="Fiber Service Agreement", body_text=contract_body(),
                        version="2026.1"))
        db.add(Appointment(account_id=sub["account_id"], kind="install", title="Router install"))
        db.commit()
    phone.add_init_script(WATCH_HOME)
    _open(phone, "/", sub)
    contract, scheduling = phone.locator("#contract-reminder"), phone.locator("#scheduling-reminder")
    expect(contract).to_contain_text("Fiber Service Agreement")
    expect(scheduling).to_contain_text("Router install")
    _shot(phone, "reminders")
    # Away and back: both are still there (neither was dismissed).
    phone.get_by_role("link", name="VIEW MORE").click()
    phone.wait_for_url(re.compile(r"/invoices/?$"))
    _home_nav(phone)
    expect(contract).to_be_visible()
    expect(scheduling).to_be_visible()
    phone.reload()
    expect(contract).to_be_visible()
    expect(scheduling).to_be_visible()
    # Later puts one away for the session: a reload never paints it, even for a frame.
    contract.get_by_role("button", name="Later").click()
    expect(contract).to_have_count(0)
    phone.reload()
    expect(scheduling).to_be_visible()
    phone.wait_for_timeout(500)
    assert not [p for p in _painted(phone) if "contract-card" in p], _painted(phone)
    scheduling.get_by_role("button", name="Later").click()
    expect(scheduling).to_have_count(0)
    phone.get_by_role("link", name="VIEW MORE").click()
    _home_nav(phone)
    expect(phone.locator("#balance")).to_be_visible()
    expect(contract).to_have_count(0)
    expect(scheduling).to_have_count(0)


# 10 -------------------------------------------------------------------------------------------


def _staff(browser, portal, path: str) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill("staff")
    page.get_by_label("Password").fill("demo-staff-2026")
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()
    page.goto(path)
    return page


def test_staff_note_form_resets_to_private_and_history_is_paged(browser, portal) -> None:
    sub = _subscriber(portal, bills=())
    with Session(portal.engine) as db:
        now = utcnow()
        ticket = Ticket(account_id=sub["account_id"], number=f"TKT-W{sub['number']}", category="Technical",
                        subject="Drops at night", status="open", opened_at=now, updated_at=now)
        db.add(ticket)
        db.flush()
        db.add(TicketNote(ticket_id=ticket.id, body="It drops at night.", is_public=True, author_kind="subscriber",
                          author_name="Imani", created_at=now))
        for i in range(60):
            db.add(AccountHistory(account_id=sub["account_id"], actor_kind="system", actor_name="e2e",
                                  kind="billing" if i % 2 else "contact", action="seeded",
                                  summary=f"Seeded event {i:02d}", occurred_at=now - dt.timedelta(minutes=60 - i)))
        db.commit()
    staff = _staff(browser, portal, f"/staff/account?number={sub['number']}")
    staff.get_by_role("tab", name="Tickets").click()
    staff.get_by_role("button", name=re.compile(f"Open TKT-W{sub['number']}")).click()
    private = staff.locator("input[name=visibility][value=private]")
    public = staff.locator("input[name=visibility][value=public]")
    staff.get_by_label("Note").fill("We are looking at the node tonight.")
    staff.get_by_text("Public", exact=True).click()
    expect(public).to_be_checked()
    staff.get_by_role("button", name="ADD NOTE").click()
    expect(staff.locator("#ticket-notice")).to_have_text("Public note added; the subscriber is emailed.")
    expect(private).to_be_checked()
    expect(staff.get_by_label("Note")).to_have_value("")
    staff.get_by_label("Note").fill("Internal: node 7 again.")
    staff.get_by_role("button", name="ADD NOTE").click()
    expect(staff.locator("#ticket-notice")).to_have_text("Private note added; only staff can see it.")

    staff.get_by_role("tab", name="History (ALL)").click()
    rows = staff.locator("#history .history-row")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Private note added")  # newest first
    expect(staff.locator("#history-tab")).to_contain_text("Page 1 of 3")
    staff.get_by_role("button", name="Older").click()
    expect(staff.locator("#history-tab")).to_contain_text("Page 2 of 3")
    expect(rows.first).to_contain_text("Seeded event 36")
    staff.screenshot(path=str(ARTIFACTS / "walkthrough-staff-history.png"), full_page=True)
    assert staff.evaluate("document.documentElement.scrollHeight") < 6000
    staff.locator("#history-kind").click()
    staff.get_by_role("option", name="billing").click()
    expect(staff.locator("#history-tab")).to_contain_text("Page 1 of 2")
    expect(rows.first).to_contain_text("Seeded event 59")
    expect(rows).to_have_count(25)
    staff.context.close()


# 11 -------------------------------------------------------------------------------------------


def test_invalid_email_gets_our_own_message(phone: Page, portal) -> None:
    sub = _subscriber(portal, bills=())
    _open(phone, "/contacts", sub)
    phone.get_by_role("button", name="Add Contact").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_label("First name").fill("Ola")
    dialog.get_by_label("Email address").fill("ola-at-example.com")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(dialog.locator("#field-email-error")).to_have_text("Enter an email address like name@example.com.")


def test_cart_confirmation_asks_the_subscriber_to_book_and_links_sign_in_once(phone: Page, portal) -> None:
    tag = uuid.uuid4().hex[:8]
    _cart_to_details(phone, "78664")  # a portal sign-in is required here
    phone.get_by_label("Email").fill(f"book{tag}@mail.example")
    phone.get_by_label("Username").fill(f"book{tag}")
    phone.get_by_label("Password").fill("cart-orchard-lantern-77")
    phone.get_by_role("button", name="PLACE ORDER").click()
    placed = phone.locator("#order-placed")
    expect(placed).to_contain_text("pick a time for your installation")
    expect(placed).not_to_contain_text("We will contact you")
    expect(phone.get_by_role("link", name=re.compile("sign.in", re.I))).to_have_count(1)  # the logo aside
    _shot(phone, "cart-placed")


def test_a_business_user_is_greeted_by_their_own_name(phone: Page, portal) -> None:
    email = f"walt{uuid.uuid4().hex[:8]}@bakery.example"
    sub = _subscriber(portal, bills=(), kind="business", first_name="Rosa", company="Walker Bakery LLC", email=email)
    with Session(portal.engine) as db:
        walt = Contact(account_id=sub["account_id"], first_name="Walt", last_name="Mercer")
        db.add(walt)
        db.flush()
        db.add(ContactPoint(contact_id=walt.id, account_id=sub["account_id"], kind="email", value=email,
                            label="Portal sign-up"))
        db.commit()
    _open(phone, "/", sub)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hi, Walt")
    expect(phone.locator("#account-name")).to_contain_text("Walker Bakery LLC")
