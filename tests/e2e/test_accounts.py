"""Several accounts per sign-in, at 390×844: the header's switcher, every route and event scoped to the chosen
account, an invitation accepted in a second browser, and what view-only access shows and refuses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.models import (
    AccountHistory, AccountMembership, Appointment, Contract, Invoice, PortalUser, utcnow,
)
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in, wait_until_settled
from tests.e2e.personas import Persona, make_persona
from tests.e2e.test_access import deliver_mail, smtp  # noqa: F401  (smtp is a fixture)
from tests.factories import make_payment
from tests.smtp_sink import link_in

pytestmark = pytest.mark.e2e


def _rows_of(portal, persona: Persona) -> dict[str, int]:
    """Ids of one row per route kind on the persona's account: an invoice, a receipt, a signed contract, an
    appointment (the .ics route)."""
    now = utcnow()
    with Session(portal.engine, expire_on_commit=False) as db:
        invoice = db.exec(select(Invoice).where(Invoice.account_id == persona.account_id)).first()
        payment = make_payment(db, _account(db, persona), 1500)
        contract = Contract(account_id=persona.account_id, title="Fiber Service Agreement", body_text="Terms.",
                            version="1", status="signed", signed_at=now, signer_name="Signer")
        appointment = Appointment(account_id=persona.account_id, title="Installer visit", status="scheduled",
                                  starts_at=now + dt.timedelta(days=4), ends_at=now + dt.timedelta(days=4, hours=2))
        db.add(contract)
        db.add(appointment)
        db.commit()
        return {"invoice": invoice.id, "receipt": payment.id, "contract": contract.id, "ics": appointment.id}


def _account(db: Session, persona: Persona):
    from portal_app.models import Account

    return db.get(Account, persona.account_id)


ROUTES = {"invoice": "/documents/invoices/{}.pdf", "receipt": "/documents/receipts/{}.pdf",
          "contract": "/documents/contracts/{}.pdf", "ics": "/ics/appointment/{}.ics"}


def _statuses(page: Page, rows: dict[str, int]) -> dict[str, int]:
    return {kind: page.request.get(ROUTES[kind].format(row_id)).status for kind, row_id in rows.items()}


def _hold(portal, user_of: Persona, account_of: Persona, role: str) -> None:
    with Session(portal.engine) as db:
        user = db.exec(select(PortalUser).where(PortalUser.username == user_of.username)).one()
        db.add(AccountMembership(user_id=user.id, account_id=account_of.account_id, role=role, added_by="e2e"))
        db.commit()


def _switch_to(page: Page, persona: Persona) -> None:
    page.locator("#account-switcher").click()
    page.locator(f".account-choice[data-account='{persona.number}']").click()


def test_a_two_account_sign_in_switches_and_never_sees_the_other_accounts_data(phone: Page, portal) -> None:
    a = make_persona(portal, first_name="Ana", last_name="Alpha", bills=(1111,), ticket=True)
    b = make_persona(portal, first_name="Ben", last_name="Beta", bills=(9999,), ticket=True)
    _hold(portal, a, b, "full")
    rows_a, rows_b = _rows_of(portal, a), _rows_of(portal, b)

    phone.goto("/invoices")
    phone.wait_for_url("**/signin**")
    sign_in(phone, a.username, a.password)
    phone.wait_for_url("**/invoices**")
    expect(phone.locator(".invoice-row").first).to_contain_text("$11.11")
    expect(phone.locator("#account-switcher")).to_contain_text(a.number)
    assert "$99.99" not in phone.locator("main").inner_text()
    assert set(_statuses(phone, rows_a).values()) == {200}
    assert set(_statuses(phone, rows_b).values()) == {404}
    phone.screenshot(path=str(ARTIFACTS / "accounts-before-switch.png"), full_page=True)

    phone.locator("#account-switcher").click()
    expect(phone.locator(".account-choice")).to_have_count(2)
    phone.screenshot(path=str(ARTIFACTS / "accounts-switcher-open.png"))
    phone.locator(f".account-choice[data-account='{b.number}']").click()
    # The same page loads again for the other account, and nothing of the first stays on it.
    expect(phone.locator("#account-switcher")).to_contain_text(b.number)
    expect(phone.locator(".invoice-row").first).to_contain_text("$99.99")
    expect(phone.locator("main")).not_to_contain_text("$11.11")
    phone.screenshot(path=str(ARTIFACTS / "accounts-after-switch.png"), full_page=True)
    assert set(_statuses(phone, rows_b).values()) == {200}
    assert set(_statuses(phone, rows_a).values()) == {404}

    # Events name the old account's rows in vain: its ticket is not found while the other account is chosen.
    phone.goto(f"/ticket?id={a.ticket_id}")
    wait_until_settled(phone)
    expect(phone.locator("main")).not_to_contain_text("Slow evenings")
    phone.goto(f"/ticket?id={b.ticket_id}")
    expect(phone.locator("main")).to_contain_text("Slow evenings")
    phone.goto("/")
    expect(phone.get_by_role("heading", name=re.compile("Hi, Ben"))).to_be_visible()

    # Back to the first: the choice is kept in the session (a new page load keeps it).
    _switch_to(phone, a)
    expect(phone.locator("#account-switcher")).to_contain_text(a.number)
    phone.reload()
    expect(phone.get_by_role("heading", name=re.compile("Hi, Ana"))).to_be_visible()
    with Session(portal.engine) as db:
        switched = {(h.account_id, h.action) for h in db.exec(select(AccountHistory).where(
            AccountHistory.action.in_(("account_switched_to", "account_switched_away"))))}
    assert {(b.account_id, "account_switched_to"), (a.account_id, "account_switched_to"),
            (a.account_id, "account_switched_away")} <= switched


def test_an_invitation_is_accepted_in_a_second_browser_and_view_only_changes_nothing(
        browser, phone: Page, portal, smtp) -> None:  # noqa: F811
    holder = make_persona(portal, first_name="Hana", last_name="Holder", bills=(4321,))
    guest = make_persona(portal, first_name="Gil", last_name="Guest", bills=(1234,))
    phone.goto("/people")
    sign_in(phone, holder.username, holder.password)
    phone.wait_for_url("**/people**")
    expect(phone.locator(".person")).to_have_count(1)
    phone.get_by_label("Their email address").fill(guest.email)
    phone.locator("#invite_role").select_option("view")
    phone.get_by_role("button", name="SEND INVITATION").click()
    expect(phone.locator("#people-notice")).to_contain_text("Invitation sent")
    expect(phone.locator(".invitation")).to_have_count(1)
    phone.screenshot(path=str(ARTIFACTS / "accounts-people.png"), full_page=True)

    deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(guest.email)
    link = link_in(mail)
    assert link.startswith("/invitation?token=") and "7 days" in mail.get_body(("plain",)).get_content()

    other = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    other.set_default_timeout(20_000)
    other.add_init_script(SOCKET_WATCH)
    guest_page = other.new_page()
    try:
        guest_page.goto(link)
        expect(guest_page.locator("#invitation-offer")).to_contain_text(holder.number)
        guest_page.get_by_role("button", name="SIGN IN TO ACCEPT").click()
        guest_page.wait_for_url("**/signin**")
        sign_in(guest_page, guest.username, guest.password)
        guest_page.wait_for_url("**/invitation**token=**")
        guest_page.get_by_role("button", name="ACCEPT").click()
        guest_page.wait_for_url(re.compile(r".*/$"))
        expect(guest_page.locator("#account-switcher")).to_contain_text(holder.number)
        expect(guest_page.locator("#role-note")).to_contain_text("View-only")
        wait_until_settled(guest_page)
        # View only: no PAY anywhere, and an event sent anyway is refused.
        guest_page.screenshot(path=str(ARTIFACTS / "accounts-view-only-home.png"), full_page=True)
        assert guest_page.get_by_role("link", name=re.compile("PAY")).all_inner_texts() == []
        guest_page.goto("/pay")
        wait_until_settled(guest_page)
        expect(guest_page.get_by_role("button", name="PAY NOW")).to_have_count(0)
        guest_page.goto("/contacts?add=email")
        wait_until_settled(guest_page)
        dialog = guest_page.get_by_role("dialog")  # the form still opens; saving it is refused
        dialog.get_by_label("First name").fill("Vic")
        dialog.get_by_label("Last name").fill("Viewer")
        dialog.get_by_label("Email address").fill("view.only@mail.example")
        dialog.get_by_role("button", name="CONFIRM").click()
        expect(guest_page.locator("#role-refused")).to_contain_text("view-only")
        expect(guest_page.get_by_role("dialog")).to_have_count(0)  # the form closes on the refusal
        guest_page.screenshot(path=str(ARTIFACTS / "accounts-view-only-refused.png"), full_page=True)
        with Session(portal.engine) as db:
            assert "view.only@mail.example" not in {h.summary for h in db.exec(select(AccountHistory).where(
                AccountHistory.account_id == holder.account_id))}
        assert guest_page.request.get(f"/documents/invoices/{_first_invoice(portal, holder)}.pdf").status == 200

        # Link used: a second use says so.
        guest_page.goto(link)
        expect(guest_page.locator("#invitation-error")).to_be_visible()

        # The holder sees them and removes them: the guest's next event on that account goes to sign-in.
        phone.reload()
        expect(phone.locator(".person")).to_have_count(2)
        phone.get_by_role("button", name=f"Remove {guest.username}").click()
        phone.locator("#confirm-remove").click()
        expect(phone.locator("#people-notice")).to_contain_text("no longer has access")
        expect(phone.locator(".person")).to_have_count(1)
        guest_page.goto("/invoices")
        guest_page.wait_for_url("**/signin**")
        sign_in(guest_page, guest.username, guest.password)
        guest_page.wait_for_url("**/invoices**")
        expect(guest_page.locator(".invoice-row").first).to_contain_text("$12.34")  # their own account again
        expect(guest_page.locator("#account-switcher")).to_have_count(0)  # one account: no switcher
    finally:
        other.close()
    with Session(portal.engine) as db:
        actions = {h.action for h in db.exec(select(AccountHistory).where(
            AccountHistory.account_id == holder.account_id))}
    assert {"member_invited", "member_added", "member_removed"} <= actions


def _first_invoice(portal, persona: Persona) -> int:
    with Session(portal.engine) as db:
        return db.exec(select(Invoice.id).where(Invoice.account_id == persona.account_id)).first()


def test_a_signed_in_user_adds_an_account_they_prove_with_the_emailed_link(browser, phone: Page, portal,
                                                                          smtp) -> None:  # noqa: F811
    from portal_app.models import Contact, ContactPoint

    me = make_persona(portal, first_name="Ida", last_name="Owner", bills=(2020,))
    flat = make_persona(portal, first_name="Ida", last_name="Flatowner", bills=(3030,))
    address = f"ida.flat.{flat.number}@mail.example"
    with Session(portal.engine) as db:
        contact = Contact(account_id=flat.account_id, first_name="Ida", last_name="Flatowner")
        db.add(contact)
        db.flush()
        db.add(ContactPoint(contact_id=contact.id, account_id=flat.account_id, kind="email", value=address))
        db.commit()
    phone.goto("/people")
    sign_in(phone, me.username, me.password)
    phone.wait_for_url("**/people**")
    expect(phone.locator("#account-switcher")).to_have_count(0)
    form = phone.locator("#add-account-form")
    form.get_by_label("Account number").fill(flat.number)
    form.get_by_label("Account holder's last name").fill("Wrongname")
    form.get_by_role("button", name="FIND THE ACCOUNT").click()
    expect(phone.locator("#account_number-error")).to_contain_text("could not match")
    form.get_by_label("Account holder's last name").fill("Flatowner")
    form.get_by_role("button", name="FIND THE ACCOUNT").click()
    link_form = phone.locator("#add-account-link-form")
    expect(link_form).to_contain_text(flat.number)
    link_form.get_by_role("radio").first.check()
    link_form.get_by_role("button", name="SEND LINK").click()
    expect(phone.locator("#add-account-notice")).to_contain_text("We sent a link")
    phone.screenshot(path=str(ARTIFACTS / "accounts-add-account.png"), full_page=True)

    deliver_mail(portal, smtp)
    [mail] = smtp.wait_for(address)
    other = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    try:
        reader = other.new_page()
        reader.goto(link_in(mail))
        expect(reader.locator("#account-added")).to_contain_text(flat.number)
    finally:
        other.close()
    phone.goto("/")
    expect(phone.locator("#account-switcher")).to_contain_text(me.number)
    _switch_to(phone, flat)
    expect(phone.get_by_role("heading", name=re.compile("Hi, Ida"))).to_be_visible()
    expect(phone.locator("#account-switcher")).to_contain_text(flat.number)
