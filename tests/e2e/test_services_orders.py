"""Services, contracts and Order Tracking on a phone (390×844).

Each test makes its own subscriber in the running app's database (a copy of Maya where it needs
her whole account), so the tests pass in any order and the demo account stays as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal_app.jobs.demo_data import contract_body
from portal_app.models import (
    Account,
    AccountHistory,
    AccountService,
    CartOrder,
    Contract,
    OutboxMail,
    Package,
    PortalUser,
    ServiceArea,
    Workflow,
)
from portal_app.services.orders import contracts, workflows
from portal_app.services.core.principal import Principal
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_from_home
from tests.e2e.personas import maya_copy
from tests.factories import make_account, make_user

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-services-passphrase-1"
STEPS = [("Order received", "Order received", "We have your order."),
         ("Equipment shipped", "Router on its way", "Your router is being shipped."),
         ("Installer visit", "Installer visit", "A technician connects you."),
         ("Billing set up", "", "")]


def _subscriber(portal, *, contract: bool = False, workflow: bool = False, package: str = "") -> dict:
    with Session(portal.engine, expire_on_commit=False) as db:
        area = db.exec(select(ServiceArea).where(ServiceArea.name == "Austin Metro")).one()
        account = make_account(db, first_name="Nia", last_name="Brooks", service_area_id=area.id,
                               account_number=f"8{uuid.uuid4().int % 10**8:08d}")
        user = make_user(db, account, username=f"svc{account.account_number}", password=PASSWORD)
        if package:
            row = db.exec(select(Package).where(Package.code == package)).one()
            db.add(AccountService(account_id=account.id, package_id=row.id, name=row.name,
                                  monthly_price_cents=row.monthly_price_cents))
        if contract:
            db.add(Contract(account_id=account.id, title="Fiber Service Agreement", body_text=contract_body(),
                            version="2026.1"))
        if workflow:
            workflows.create_workflow(db, principal=Principal.system("e2e"), account=account, kind="install",
                                   title="Fiber install", steps=STEPS)
        db.commit()
        return {"account_id": account.id, "number": account.account_number, "username": user.username}


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _accessible(page: Page) -> None:
    assert serious_violations(page) == []


def test_services_page_shows_packages_and_their_items(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    phone.goto("/services")
    phone.wait_for_url("**/signin**")
    sign_in(phone, maya.username, maya.password)
    expect(phone.get_by_role("heading", name="Services", exact=True)).to_be_visible()
    packages = phone.locator("#packages")
    expect(packages).to_contain_text("Fiber 1 Gig")
    expect(phone.locator("#other-services")).to_contain_text("Static IP")
    expect(phone.locator(".package-items")).to_have_count(0)
    packages.locator(".service-line", has_text="Fiber 1 Gig").click()
    items = phone.locator(".package-items")
    expect(items).to_contain_text("Fiber internet 1/1 Gbps")
    expect(items).to_contain_text("Wi-Fi 7 router")
    expect(phone.locator("#contracts")).to_contain_text("Fiber Service Agreement")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "services.png"), full_page=True)
    _accessible(phone)


def test_sign_the_pending_contract_from_the_prompt_and_download_the_signed_pdf(phone: Page, portal) -> None:
    me = _subscriber(portal, contract=True)
    phone.goto("/")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me["username"], PASSWORD)
    prompt = phone.locator("#contract-reminder")
    expect(prompt).to_contain_text("Fiber Service Agreement")
    phone.screenshot(path=str(ARTIFACTS / "contract-prompt.png"))
    prompt.get_by_role("link", name="Sign now").click()
    phone.wait_for_url(re.compile(r"/contract/?\?id=\d+$"))
    expect(phone.locator("#contract-text")).to_contain_text("7. Signature.")
    phone.get_by_role("button", name="SIGN", exact=True).click()
    expect(phone.locator("#field-signer_name-error")).to_have_text("Type your full name to sign.")
    expect(phone.locator("#field-consent-error")).to_contain_text("Tick the box")
    phone.get_by_label("Full name").fill("Nia Brooks")
    phone.get_by_label("I have read this contract and agree to sign it electronically.").check()
    expect(phone.locator("#sign-date")).to_contain_text(str(dt.date.today().year))
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "contract-sign.png"), full_page=True)
    _accessible(phone)
    phone.get_by_role("button", name="SIGN", exact=True).click()
    expect(phone.locator("#signature")).to_contain_text("Signed by Nia Brooks")

    href = phone.locator("#signed-pdf").get_attribute("href")
    response = phone.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Signed by: Nia Brooks" in text and "FIBER SERVICE AGREEMENT" in text
    assert contracts.text_sha256(contract_body()) in text.replace("\n", "")

    with Session(portal.engine) as db:
        row = db.exec(select(Contract).where(Contract.account_id == me["account_id"])).one()
        assert row.status == "signed" and row.signer_ip and "Chrome" in row.signer_user_agent
        actions = db.exec(select(AccountHistory.action).where(AccountHistory.account_id == me["account_id"],
                                                              AccountHistory.kind == "contract")).all()
        assert "signed" in actions
    # Signed: the prompt does not come back, and the PDF is nobody else's business.
    phone.goto("/")
    expect(phone.get_by_role("heading", name="Hi, Nia")).to_be_visible()
    expect(phone.locator("#contract-reminder")).to_have_count(0)
    phone.context.clear_cookies()
    assert phone.request.get(href).status == 404


def test_maya_sees_her_tracked_install_on_home_and_in_order_tracking(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    sign_in_from_home(phone, maya.username, maya.password)
    card = phone.locator("#home-orders .order-card", has_text="Mesh Wi-Fi extender install")
    expect(card).to_contain_text("Now: Extender on its way")
    card.click()
    phone.wait_for_url(re.compile(r"/orders/?$"))
    steps = phone.locator("#orders .order-card", has_text="Mesh Wi-Fi extender install").locator(".tracker-step")
    expect(steps).to_have_count(5)  # "Quality check" is internal
    expect(steps.nth(0)).to_have_attribute("data-state", "done")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    expect(steps.nth(1)).to_contain_text("Extender on its way")
    steps.nth(1).locator(".step-mark").hover()
    expect(phone.get_by_role("tooltip").first).to_contain_text("In progress")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "order-tracking.png"), full_page=True)
    _accessible(phone)


def _staff_page(browser, portal) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill("staff")
    page.get_by_label("Password").fill("demo-staff-2026")
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()
    return page


def test_staff_track_and_complete_tasks_and_the_tracker_follows(browser, phone: Page, portal) -> None:
    me = _subscriber(portal, workflow=True)
    phone.goto("/orders")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me["username"], PASSWORD)
    phone.wait_for_url(re.compile(r"/orders/?$"))
    steps = phone.locator(".tracker-step")
    expect(steps).to_have_count(3)
    expect(steps.nth(1)).to_have_attribute("data-state", "current")

    staff = _staff_page(browser, portal)
    staff.goto(f"/staff/orders?number={me['number']}")
    expect(staff.get_by_role("heading", name="Orders and contracts")).to_be_visible()
    tasks = staff.locator(".staff-task")
    expect(tasks).to_have_count(4)
    expect(tasks.nth(1).locator(".tracked-marker")).to_be_visible()
    expect(tasks.nth(3).locator(".tracked-marker")).to_have_count(0)
    # Track the internal step: the portal name is required.
    tasks.nth(3).get_by_role("button", name="Tracking…").click()
    staff.get_by_label("Portal name").fill("")
    staff.get_by_role("button", name="SAVE TRACKING").click()
    expect(staff.locator("#field-portal_name-error")).to_have_text("A trackable task needs a portal name.")
    staff.get_by_label("Portal name").fill("Your first bill")
    staff.get_by_role("button", name="SAVE TRACKING").click()
    expect(tasks.nth(3).locator(".tracked-marker")).to_be_visible()
    tasks.nth(1).get_by_role("button", name="COMPLETE").click()
    expect(tasks.nth(1)).to_contain_text("Completed")
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-orders.png"), full_page=True)

    phone.reload()
    expect(steps).to_have_count(4)
    expect(steps.nth(1)).to_have_attribute("data-state", "done")
    expect(steps.nth(2)).to_have_attribute("data-state", "current")
    expect(steps.nth(3)).to_contain_text("Your first bill")

    for index in (2, 3):
        tasks.nth(index).get_by_role("button", name="COMPLETE").click()
        expect(tasks.nth(index)).to_contain_text("Completed")
    expect(staff.locator(".staff-workflow")).to_contain_text("Closed")
    phone.reload()
    expect(phone.locator(".order-card")).to_contain_text("Completed")
    expect(phone.locator(".tracker-step[data-state=done]")).to_have_count(4)
    phone.goto("/")
    expect(phone.get_by_role("heading", name="Hi, Nia")).to_be_visible()
    expect(phone.locator("#home-orders .order-card")).to_have_count(0)
    with Session(portal.engine) as db:
        workflow = db.exec(select(Workflow).where(Workflow.account_id == me["account_id"])).one()
        assert workflow.status == "closed"
    staff.context.close()


def test_another_accounts_contract_or_order_is_not_found(phone: Page, portal) -> None:
    other = _subscriber(portal, contract=True, workflow=True)
    with Session(portal.engine) as db:
        contract_id = db.exec(select(Contract.id).where(Contract.account_id == other["account_id"])).one()
    maya = maya_copy(portal)
    sign_in_from_home(phone, maya.username, maya.password)
    phone.goto(f"/contract?id={contract_id}")
    expect(phone.locator("#not-found")).to_have_text("That contract could not be found.")
    expect(phone.locator("#orders")).to_have_count(0)
    assert phone.request.get(f"/documents/contracts/{contract_id}.pdf").status == 404
    phone.goto("/orders")
    expect(phone.locator("#orders")).not_to_contain_text("Fiber install")


def test_change_a_package_through_the_cart_to_a_tracked_order(phone: Page, portal) -> None:
    me = _subscriber(portal, package="FIBER300")
    phone.goto("/services")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me["username"], PASSWORD)
    phone.locator(".service-line", has_text="Fiber 300").click()
    phone.get_by_role("link", name="CHANGE Fiber 300").click()
    phone.wait_for_url(re.compile(r"/services/change/?\?service=\d+$"))
    options = phone.locator(".package-option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("Fiber 1 Gig")
    expect(options.nth(0)).to_contain_text("+$20.00/mo")
    expect(options.nth(0)).to_contain_text("Upgrade")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "change-pick.png"), full_page=True)
    _accessible(phone)
    phone.get_by_role("button", name="Select Fiber 2 Gig").click()
    cart = phone.locator("#cart")
    expect(cart).to_contain_text("Fiber 2 Gig")
    expect(cart).to_contain_text("+$40.00/mo")
    phone.get_by_role("button", name="PROCEED").click()
    expect(phone.get_by_role("heading", name="Invoice preferences")).to_be_visible()
    phone.get_by_label("From my next bill").check()
    phone.get_by_label("Paper").check()
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "change-preferences.png"), full_page=True)
    _accessible(phone)
    phone.get_by_role("button", name="PLACE ORDER").click()
    expect(phone.locator("#change-placed")).to_contain_text("Your order is placed.")
    phone.get_by_role("link", name="Go to Order Tracking").click()
    phone.wait_for_url(re.compile(r"/orders/?$"))
    order = phone.locator(".order-card", has_text="Change to Fiber 2 Gig")
    expect(order).to_contain_text("Service change")
    expect(order.locator(".tracker-step[data-state=current]")).to_contain_text("Switching your service")
    with Session(portal.engine) as db:
        placed = db.exec(select(CartOrder).where(CartOrder.account_id == me["account_id"])).one()
        assert (placed.kind, placed.prorate_now) == ("package_change", False)
        summaries = db.exec(select(AccountHistory.summary).where(AccountHistory.account_id == me["account_id"],
                                                                 AccountHistory.kind == "service")).all()
        assert any("Fiber 300 → Fiber 2 Gig" in s and "paper bills" in s for s in summaries)
    phone.goto("/")
    expect(phone.locator("#home-orders")).to_contain_text("Change to Fiber 2 Gig")


CART_PASSWORD = "cart-orchard-lantern-77"


def _cart_to_details(phone: Page, zip_code: str) -> None:
    phone.goto("/signin")
    phone.get_by_role("link", name=re.compile("Shopping Cart")).click()
    phone.wait_for_url(re.compile(r"/cart/?$"))
    phone.get_by_label("Street address").fill("55 Willow Run")
    phone.get_by_label("City").fill("Austin")
    phone.get_by_label("State").fill("TX")
    phone.get_by_label("ZIP code").fill("10001")
    phone.get_by_role("button", name="SHOW PACKAGES").click()
    expect(phone.locator("#field-zip_code-error")).to_have_text("We do not serve that ZIP code yet.")
    phone.get_by_label("ZIP code").fill(zip_code)
    phone.get_by_role("button", name="SHOW PACKAGES").click()
    expect(phone.locator(".cart-package")).to_have_count(3)
    phone.get_by_role("button", name="Add Fiber 300 to cart").click()
    expect(phone.locator("#cart-summary")).to_contain_text("Fiber 300")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / f"cart-packages-{zip_code}.png"), full_page=True)
    phone.get_by_role("button", name="PROCEED").click()
    phone.get_by_label("First name").fill("Lee")
    phone.get_by_label("Last name").fill("Chen")
    phone.get_by_label("Phone").fill("512 555 0142")


def _placed_account(portal, phone: Page) -> tuple[int, str]:
    expect(phone.locator("#order-placed")).to_contain_text("Your order is placed.")
    number = phone.locator("#new-account-number").inner_text()
    with Session(portal.engine) as db:
        account = db.exec(select(Account).where(Account.account_number == number)).one()
        service = db.exec(select(AccountService).where(AccountService.account_id == account.id)).one()
        assert (service.name, service.status) == ("Fiber 300", "pending")
        assert db.exec(select(Workflow).where(Workflow.account_id == account.id)).one().kind == "install"
        actions = db.exec(select(AccountHistory.action).where(AccountHistory.account_id == account.id)).all()
        assert "cart_sign_up" in actions
        return account.id, number


def _verify_link(portal, email: str) -> str:
    with Session(portal.engine) as db:
        [mail] = db.exec(select(OutboxMail).where(OutboxMail.to_address == email)).all()
    return "/verify?token=" + re.search(r"/verify\?token=(\S+)", mail.body_text).group(1)


def test_cart_sign_up_where_the_portal_account_is_required(phone: Page, portal) -> None:
    tag = uuid.uuid4().hex[:8]
    _cart_to_details(phone, "78664")  # Round Rock: required
    expect(phone.locator("#portal-step")).to_contain_text("Your portal sign-in")
    phone.get_by_label("Email").fill(f"lee{tag}@mail.example")
    phone.get_by_role("button", name="PLACE ORDER").click()
    expect(phone.locator("#field-username-error")).to_be_visible()
    phone.get_by_label("Username").fill(f"lee{tag}")
    phone.get_by_label("Password").fill(CART_PASSWORD)
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "cart-details-required.png"), full_page=True)
    _accessible(phone)
    phone.get_by_role("button", name="PLACE ORDER").click()
    account_id, _ = _placed_account(portal, phone)
    expect(phone.locator("#verify-note")).to_contain_text(f"lee{tag}@mail.example")
    # The verification email, as in self sign-up; then the new subscriber signs in and sees the install.
    phone.goto(_verify_link(portal, f"lee{tag}@mail.example"))
    phone.wait_for_url("**/signin?reason=verified")
    sign_in(phone, f"lee{tag}", CART_PASSWORD)
    expect(phone.get_by_role("heading", name="Hi, Lee")).to_be_visible()
    expect(phone.locator("#home-orders")).to_contain_text("Fiber 300 install")


def test_cart_sign_up_where_the_portal_account_is_optional(phone: Page, portal) -> None:
    tag = uuid.uuid4().hex[:8]
    _cart_to_details(phone, "78704")  # Austin Metro: optional
    phone.get_by_label("Email").fill(f"opt{tag}@mail.example")
    phone.get_by_label("Also create my portal sign-in").check()
    phone.get_by_label("Username").fill(f"opt{tag}")
    phone.get_by_label("Password").fill(CART_PASSWORD)
    _accessible(phone)
    phone.get_by_role("button", name="PLACE ORDER").click()
    account_id, _ = _placed_account(portal, phone)
    with Session(portal.engine) as db:
        user = db.exec(select(PortalUser).where(PortalUser.account_id == account_id)).one()
        assert user.username == f"opt{tag}" and user.verified_at is None
    assert _verify_link(portal, f"opt{tag}@mail.example")


def test_cart_sign_up_where_the_portal_account_step_is_disabled(phone: Page, portal) -> None:
    tag = uuid.uuid4().hex[:8]
    _cart_to_details(phone, "78626")  # Georgetown: disabled
    expect(phone.locator("#portal-step")).to_have_count(0)
    phone.get_by_label("Email").fill(f"off{tag}@mail.example")
    phone.get_by_role("button", name="PLACE ORDER").click()
    account_id, _ = _placed_account(portal, phone)
    expect(phone.locator("#verify-note")).to_have_count(0)
    with Session(portal.engine) as db:
        assert db.exec(select(PortalUser).where(PortalUser.account_id == account_id)).all() == []
        assert db.exec(select(OutboxMail).where(OutboxMail.to_address == f"off{tag}@mail.example")).all() == []


def test_staff_add_a_service_area_offer_a_package_and_the_cart_shows_it(browser, phone: Page, portal) -> None:
    zip_code = f"6{uuid.uuid4().int % 10**4:04d}"
    name = f"Area {zip_code}"
    staff = _staff_page(browser, portal)
    staff.goto("/staff/catalogue")
    expect(staff.get_by_role("heading", name="Packages and service areas")).to_be_visible()
    staff.get_by_label("Area name").fill(name)
    staff.get_by_label("ZIP codes").fill(f"{zip_code}, 123")
    staff.get_by_role("button", name="ADD SERVICE AREA").click()
    expect(staff.locator("#field-zip_codes-error")).to_contain_text("5-digit")
    staff.get_by_label("Area name").fill(name)
    staff.get_by_label("ZIP codes").fill(zip_code)
    staff.locator("#field-mode").select_option("disabled")
    staff.get_by_role("button", name="ADD SERVICE AREA").click()
    area = staff.locator(".catalogue-area", has_text=name)
    expect(area).to_be_visible()
    area.get_by_role("checkbox", name="Fiber 2 Gig").click()
    expect(area.get_by_role("checkbox", name="Fiber 2 Gig")).to_be_checked()
    area.get_by_label(f"Portal-account step for {name}").select_option("required")
    expect(staff.locator("#staff-notice")).to_contain_text("Portal-account step updated.")
    area.get_by_label(f"Portal-account step for {name}").select_option("disabled")
    expect(area.get_by_label(f"Portal-account step for {name}")).to_have_value("disabled")
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-catalogue.png"), full_page=True)
    staff.context.close()

    phone.goto("/cart")
    phone.get_by_label("Street address").fill("1 New Rd")
    phone.get_by_label("City").fill("Elgin")
    phone.get_by_label("ZIP code").fill(zip_code)
    phone.get_by_role("button", name="SHOW PACKAGES").click()
    expect(phone.locator(".cart-package")).to_have_count(1)
    expect(phone.locator(".cart-package")).to_contain_text("Fiber 2 Gig")


def test_staff_edit_a_package_price_in_the_catalogue(browser, portal) -> None:
    code = f"E2E{uuid.uuid4().hex[:6].upper()}"
    staff = _staff_page(browser, portal)
    staff.goto("/staff/catalogue")
    expect(staff.get_by_role("heading", name="Packages and service areas")).to_be_visible()
    staff.locator("#field-code").fill(code)
    staff.locator("#field-name").fill(f"Test {code}")
    staff.locator("#field-price").fill("40.00")
    staff.locator("#field-download_mbps").fill("500")
    staff.locator("#field-upload_mbps").fill("500")
    staff.get_by_role("button", name="ADD PACKAGE").click()
    row = staff.locator(".catalogue-package", has_text=code)
    expect(row).to_contain_text("$40.00/mo")
    row.get_by_role("button", name=f"Edit Test {code}").click()
    dialog = staff.get_by_role("dialog")
    dialog.get_by_label("Monthly price").fill("forty")
    dialog.get_by_role("button", name="SAVE PACKAGE").click()
    expect(dialog.locator("#edit-price-error")).to_contain_text("like 55.00")
    dialog.get_by_label("Monthly price").fill("42.50")
    dialog.get_by_role("button", name="SAVE PACKAGE").click()
    expect(dialog).to_have_count(0)
    expect(row).to_contain_text("$42.50/mo")
    assert serious_violations(staff) == []
    staff.context.close()
