"""People holding an account, at 390×844: a person invited to it is greeted by their own name on Home and
their Notifications page sets only what they are emailed; staff see the people with access and the
invitations waiting on the account's Portal tab, and revoke one."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.models import Account, AccountMembership, PortalUser
from portal_app.services.core.principal import Principal
from portal_app.services.identity import memberships
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_staff
from tests.e2e.personas import PASSWORD, make_persona
from tests.factories import make_user


def _billing_member(portal, holder) -> PortalUser:
    """A second sign-in on the holder's account with billing-only access, and an invitation still waiting."""
    with Session(portal.engine, expire_on_commit=False) as db:
        account = db.get(Account, holder.account_id)
        member = make_user(db, account, username=f"{holder.username}b", email=f"{holder.username}b@mail.example",
                           password=PASSWORD)
        membership = db.exec(select(AccountMembership).where(AccountMembership.user_id == member.id)).one()
        membership.role, membership.added_by = "billing", f"invitation from {holder.username}"
        db.add(membership)
        holder_id = db.exec(select(PortalUser.id).where(PortalUser.username == holder.username)).one()
        as_holder = Principal(kind="subscriber", display_name=holder.username, role="full", user_id=holder_id,
                              account_id=holder.account_id)
        memberships.invite(db, principal=as_holder, email=f"cousin.{holder.username}@mail.example", role="view")
        db.commit()
        return member


def test_an_invited_person_and_what_staff_see(browser, portal, phone: Page) -> None:
    holder = make_persona(portal, first_name="Rosa")
    member = _billing_member(portal, holder)

    phone.goto("/signin")
    sign_in(phone, member.username, PASSWORD)
    expect(phone.get_by_role("heading", name=f"Hi, {member.username}")).to_be_visible()  # not "Hi, Rosa"
    phone.goto("/notifications")
    expect(phone.locator("#invited-note")).to_contain_text("only what we email you about it")
    expect(phone.get_by_role("heading", name="Paperless billing")).to_have_count(0)
    bill = phone.locator(".choice-row[data-event='bill_ready']")
    expect(bill.get_by_role("checkbox", name="New bill by email")).to_be_checked()
    expect(phone.locator(".choice-row[data-event='security']")).to_have_count(0)
    ticket = phone.locator(".choice-row[data-event='ticket_update']").get_by_role("checkbox")
    expect(ticket).not_to_be_checked()  # billing only: what happens to the service is opt-in
    ticket.click()
    phone.get_by_role("button", name="SAVE CHOICES").click()
    expect(phone.locator("#notifications-notice")).to_contain_text("Ticket replies: email on")
    phone.screenshot(path=str(ARTIFACTS / "notifications-invited.png"), full_page=True)

    desk_context = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    desk_context.set_default_timeout(20_000)
    desk = desk_context.new_page()
    sign_in_staff(desk)
    desk.goto(f"/staff/account?number={holder.number}")
    people = desk.locator("#people-with-access")
    expect(people.locator(".person-row", has_text=member.username)).to_contain_text("Billing only")
    expect(people.locator(".person-row", has_text=holder.email)).to_contain_text("Full access")
    waiting = desk.locator("#invitations-waiting .invitation-row")
    expect(waiting).to_contain_text(f"cousin.{holder.username}@mail.example")
    expect(waiting).to_contain_text("View only")
    desk.screenshot(path=str(ARTIFACTS / "staff-people-with-access.png"), full_page=True)
    desk.get_by_role("button", name=re.compile("Revoke the invitation to cousin")).click()
    expect(desk.locator("#staff-notice")).to_contain_text("is revoked; its link no longer works")
    expect(waiting).to_have_count(0)
    desk_context.close()
