"""People invited to an account (memberships other than the holder's sign-in) are told about it on their own
address by their own choices: billing notices for full and billing-only, what happens to the service for
full, nothing for view-only unless they opt in; once per recipient, in the cause's transaction, visible to
staff; what the law requires still reaches the holder. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_invoice, make_payment, make_subscriber, make_user
from sqlmodel import Session, select

from portal_app.models import (
    AccountHistory, AccountMembership, Contact, ContactPoint, MemberNotificationChoice, Notification, OutboxMail,
    PortalUser, Ticket, utcnow,
)
from portal_app.services.billing import notices
from portal_app.services.core.access import BILLING, FULL, VIEW
from portal_app.services.core.errors import Forbidden
from portal_app.services.core.principal import Principal
from portal_app.services.identity import access_mail, memberships
from portal_app.services.notify import log, preferences
from portal_app.services.notify.events import EVENTS, MEMBER_EVENTS
from portal_app.services.selfservice import dashboard, tickets

TODAY = dt.date(2026, 3, 14)
STAFF = Principal(kind="staff", display_name="Sam Staff", staff_user_id=1, staff_role="admin")


def _invite(db: Session, account, role: str, **user_fields) -> PortalUser:
    """Someone with a sign-in of their own (their own account) who holds `account` with `role`."""
    person = make_subscriber(db, first_name="Pat", last_name="Member").user
    for field, value in user_fields.items():
        setattr(person, field, value)
    db.add(AccountMembership(user_id=person.id, account_id=account.id, role=role, added_by="invitation from test"))
    db.commit()
    return person


def _as(person: PortalUser, account, role: str) -> Principal:
    return Principal(kind="subscriber", display_name=person.username, user_id=person.id, account_id=account.id,
                     role=role)


def _mail_to(db: Session, address: str) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.to_address == address)))


def _bill(db: Session, holder) -> None:
    invoice = make_invoice(db, holder.account, 7245, due_on=TODAY + dt.timedelta(days=7))
    notices.bill_ready(db, account=holder.account, invoice=invoice, today=TODAY)
    db.commit()


def test_a_bill_reaches_full_and_billing_members_and_view_only_once_opted_in(db: Session) -> None:
    holder = make_subscriber(db)
    full, billing, view = (_invite(db, holder.account, role) for role in (FULL, BILLING, VIEW))
    _bill(db, holder)
    told = {m.to_address: m for m in db.exec(select(OutboxMail))}
    assert set(told) == {holder.user.email, full.email, billing.email}
    assert told[full.email].subject == told[holder.user.email].subject  # the same bill, on their own address
    assert "/quickpay?t=" in told[billing.email].body_text
    # Each copy is logged on the account under the cause, per recipient.
    keys = {n.to_address: n.dedupe_key for n in db.exec(select(Notification))}
    assert keys[holder.user.email] == keys[full.email].split("@member:")[0]
    assert keys[full.email] != keys[billing.email]

    said = preferences.save_preferences(
        db, principal=_as(view, holder.account, VIEW), choices={"bill_ready": (True, False)}, paperless=False,
        quiet_hours=False, quiet_start="", quiet_end="")
    db.commit()
    assert said == "Saved. New bill: email on."
    assert holder.account.paperless  # an invited person's save never touches the account's own settings
    _bill(db, holder)
    assert len(_mail_to(db, view.email)) == 1 and len(_mail_to(db, holder.user.email)) == 2


def test_each_recipient_is_told_once_however_often_the_cause_repeats(db: Session) -> None:
    holder = make_subscriber(db)
    member = _invite(db, holder.account, BILLING)
    invoice = make_invoice(db, holder.account, 7245, due_on=TODAY + dt.timedelta(days=7))
    for _ in range(3):
        notices.bill_ready(db, account=holder.account, invoice=invoice, today=TODAY)  # in one transaction too
    db.commit()
    notices.bill_ready(db, account=holder.account, invoice=invoice, today=TODAY)
    db.commit()
    assert len(_mail_to(db, member.email)) == 1 and len(_mail_to(db, holder.user.email)) == 1
    assert len(db.exec(select(Notification)).all()) == 2


def test_nothing_reaches_a_member_when_the_cause_rolls_back(db: Session) -> None:
    holder = make_subscriber(db)
    _invite(db, holder.account, FULL)
    invoice = make_invoice(db, holder.account, 7245)
    db.commit()
    notices.bill_ready(db, account=holder.account, invoice=invoice, today=TODAY)
    db.rollback()
    assert db.exec(select(OutboxMail)).all() == [] and db.exec(select(Notification)).all() == []


def test_a_member_turning_receipts_off_never_stops_the_holders(db: Session) -> None:
    holder = make_subscriber(db)
    member = _invite(db, holder.account, BILLING)
    preferences.save_preferences(db, principal=_as(member, holder.account, BILLING),
                                 choices={e.key: (False, False) for e in EVENTS}, paperless=True, quiet_hours=True,
                                 quiet_start="21:00", quiet_end="08:00")
    payment = make_payment(db, holder.account, 2500)
    notices.payment_failed(db, payment=payment, reason="Card declined")
    db.commit()
    assert _mail_to(db, member.email) == []
    [mail] = _mail_to(db, holder.user.email)  # legally required: always the holder
    assert "/notifications" not in mail.body_text


def test_service_notices_reach_full_members_and_security_notices_none(db: Session) -> None:
    holder = make_subscriber(db)
    full, billing = _invite(db, holder.account, FULL), _invite(db, holder.account, BILLING)
    now = utcnow()
    ticket = Ticket(account_id=holder.account.id, number=f"T-{holder.account.id}", subject="Slow", opened_at=now,
                    updated_at=now)
    db.add(ticket)
    db.flush()
    tickets.staff_add_note(db, principal=STAFF, ticket_id=ticket.id, body="We replaced the port.", public=True)
    db.commit()
    assert len(_mail_to(db, full.email)) == 1 and _mail_to(db, billing.email) == []
    access_mail.send_notice(db, user=holder.user, subject="Your password was changed", text="It was changed.")
    db.commit()
    assert len(_mail_to(db, full.email)) == 1  # still only the ticket reply


def test_one_copy_per_address_and_none_to_a_disabled_or_removed_member(db: Session) -> None:
    holder = make_subscriber(db)
    same = _invite(db, holder.account, FULL, email=holder.user.email)
    disabled = _invite(db, holder.account, FULL, disabled=True)
    removed = _invite(db, holder.account, BILLING)
    preferences.save_preferences(db, principal=_as(removed, holder.account, BILLING),
                                 choices={"outage": (True, False)}, paperless=True, quiet_hours=True,
                                 quiet_start="21:00", quiet_end="08:00")
    membership = db.exec(select(AccountMembership).where(AccountMembership.user_id == removed.id,
                                                         AccountMembership.account_id == holder.account.id)).one()
    memberships.remove_member(db, principal=holder.principal, membership_id=membership.id)
    db.commit()
    assert db.exec(select(MemberNotificationChoice)).all() == []  # their choices went with their access
    _bill(db, holder)
    assert [m.to_address for m in db.exec(select(OutboxMail))] == [holder.user.email]
    assert same.id and disabled.id


def test_staff_see_member_copies_the_holder_sees_them_masked_and_a_member_only_theirs(db: Session) -> None:
    holder = make_subscriber(db)
    member = _invite(db, holder.account, BILLING)
    other = _invite(db, holder.account, FULL)
    _bill(db, holder)
    _account, rows = log.sent_to_account(db, principal=STAFF, account_number=holder.account.account_number)
    assert {row.to for row in rows} == {holder.user.email, member.email, other.email}
    seen_by_holder = {row.to for row in log.sent_to_me(db, principal=holder.principal)}
    assert holder.user.email in seen_by_holder and member.email not in seen_by_holder
    assert any("•••" in to for to in seen_by_holder)
    [theirs] = log.sent_to_me(db, principal=_as(member, holder.account, BILLING))
    assert theirs.to == member.email and theirs.event == "New bill"


def test_an_invited_persons_page_is_their_own_choices_and_saving_is_in_the_history(db: Session) -> None:
    holder = make_subscriber(db)
    view = _invite(db, holder.account, VIEW)
    page = preferences.preferences(db, principal=_as(view, holder.account, VIEW))
    assert page.invited and not page.texts_available
    assert [row.key for row in page.rows] == [event.key for event in MEMBER_EVENTS]
    assert not any(row.email or row.email_required or row.sms for row in page.rows)  # view-only: opt in
    billing_page = preferences.preferences(db, principal=_as(_invite(db, holder.account, BILLING), holder.account,
                                                             BILLING))
    on = {row.key for row in billing_page.rows if row.email}
    assert "bill_ready" in on and "payment_receipt" in on and "ticket_update" not in on and "outage" not in on
    assert not preferences.preferences(db, principal=holder.principal).invited
    preferences.save_preferences(db, principal=_as(view, holder.account, VIEW),
                                 choices={"payment_receipt": (True, False)}, paperless=True, quiet_hours=True,
                                 quiet_start="21:00", quiet_end="08:00")
    db.commit()
    entry = db.exec(select(AccountHistory).where(AccountHistory.action == "member_choices_changed")).one()
    assert entry.account_id == holder.account.id and view.username in entry.summary
    # The holder's sign-in with a lower role still cannot change the account's choices.
    with pytest.raises(Forbidden):
        preferences.save_preferences(db, principal=_as(holder.user, holder.account, BILLING), choices={},
                                     paperless=True, quiet_hours=True, quiet_start="21:00", quiet_end="08:00")


def test_an_invited_person_is_greeted_by_their_own_name(db: Session) -> None:
    holder = make_subscriber(db, first_name="Rosa")
    member = _invite(db, holder.account, BILLING)
    contact = Contact(account_id=member.account_id, first_name="Walt", last_name="Member")
    db.add(contact)
    db.flush()
    db.add(ContactPoint(contact_id=contact.id, account_id=member.account_id, kind="email", value=member.email))
    newcomer = make_user(db, holder.account)  # a sign-in made from an invitation: created for the account
    made_with = db.exec(select(AccountMembership).where(AccountMembership.user_id == newcomer.id)).one()
    made_with.role, made_with.added_by = VIEW, "invitation from rosa"
    household = make_user(db, holder.account)  # another sign-in made for the account itself (staff added it)
    db.commit()
    greet = lambda person, role: dashboard.greeting_name(  # noqa: E731
        db, principal=_as(person, holder.account, role), account=holder.account)
    assert greet(member, BILLING) == "Walt"
    assert greet(newcomer, VIEW) == newcomer.username
    assert greet(holder.user, FULL) == "Rosa" and greet(household, FULL) == "Rosa"


def test_the_accounts_own_sign_ins_share_its_address_and_choices(db: Session) -> None:
    holder = make_subscriber(db)
    household = make_user(db, holder.account)  # made for the account (staff's Add Portal User): not invited
    db.commit()
    assert not preferences.preferences(db, principal=_as(household, holder.account, FULL)).invited
    _bill(db, holder)
    assert [m.to_address for m in db.exec(select(OutboxMail))] == [holder.user.email]
