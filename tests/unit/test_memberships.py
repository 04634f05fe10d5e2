"""Several accounts per sign-in, on SQLite and PostgreSQL: the session's chosen account scopes every
access_* function, roles are held by the one guard, invitations work once and for 7 days, and a
removed person's session on the account ends at their next event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from factories import count_queries, make_account, make_invoice, make_payment, make_subscriber
from sqlmodel import Session, col, select

from portal_app.models import (
    AccountHistory, AccountMembership, AccountService, Appointment, AuthToken, Contact, ContactPoint, Contract,
    OutboxMail, PaymentMethod, PortalUser, RecurringPayment, Ticket, UserSession, utcnow,
)
from portal_app.services.core import access
from portal_app.services.core.access import BILLING, FULL, VIEW
from portal_app.services.core.errors import FieldErrors, Forbidden, NotFound
from portal_app.services.identity import auth, memberships, session_cache, tokens
from portal_app.services.orders import workflows
from portal_app.services.core.principal import Principal


def _session(db: Session, user: PortalUser) -> str:
    token = auth.redeem_session_ticket(db, ticket=auth.create_session_ticket(db, user=user)).token
    db.commit()
    return token


def _member(db: Session, user: PortalUser, account, role: str) -> AccountMembership:
    row = AccountMembership(user_id=user.id, account_id=account.id, role=role, added_by="test")
    db.add(row)
    db.commit()
    return row


def _one_of_everything(db: Session, account) -> dict[str, int]:
    """An owned row of every kind an access_* function fetches, on `account`."""
    now = utcnow()
    contact = Contact(account_id=account.id, first_name="B", last_name="Side")
    db.add(contact)
    db.flush()
    rows = {
        "invoice": make_invoice(db, account, 1234),
        "payment": make_payment(db, account, 500),
        "contract": Contract(account_id=account.id, title="Agreement", body_text="Terms.", version="1"),
        "service": AccountService(account_id=account.id, name="Extra", billable=True, monthly_price_cents=100),
        "ticket": Ticket(account_id=account.id, number=f"T-{account.id}", subject="Hello", opened_at=now,
                         updated_at=now),
        "appointment": Appointment(account_id=account.id, title="Visit", status="scheduled",
                                   starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=3, hours=2)),
        "contact": contact,
        "contact_point": ContactPoint(contact_id=contact.id, account_id=account.id, kind="email", value="b@mail.example"),
        "payment_method": PaymentMethod(account_id=account.id, gateway="sandbox", gateway_token="tok_b", kind="card",
                                        brand="visa", last4="4242", exp_month=12, exp_year=2035),
    }
    for row in rows.values():
        db.add(row)
    db.flush()
    rows["recurring"] = RecurringPayment(account_id=account.id, payment_method_id=rows["payment_method"].id)
    db.add(rows["recurring"])
    rows["workflow"] = workflows.create_workflow(db, principal=Principal.system("test"), account=account,
                                                 kind="install", title="Install", steps=[("A", "A", "a")])
    db.commit()
    return {kind: row.id for kind, row in rows.items()}


ACCESSORS = {
    "invoice": access.access_invoice, "payment": access.access_payment, "contract": access.access_contract,
    "service": access.access_service, "ticket": access.access_ticket, "appointment": access.access_appointment,
    "contact": access.access_contact, "contact_point": access.access_contact_point,
    "payment_method": access.access_payment_method, "recurring": access.access_recurring,
    "workflow": access.access_workflow,
}


def test_every_access_function_is_in_the_scoping_table() -> None:
    named = {fn.__name__ if fn.__name__ != "access" else "" for fn in ACCESSORS.values()}
    owned = {name for name in dir(access) if name.startswith("access_")} - {
        "access_owned", "access_account", "access_own_sign_in"}
    assert {f"access_{kind}" for kind in ACCESSORS} == owned, named


def test_a_two_account_sign_in_reads_only_the_chosen_accounts_rows(db: Session) -> None:
    me = make_subscriber(db)
    other = make_account(db, first_name="Bea", last_name="Other")
    _member(db, me.user, other, FULL)
    mine, theirs = _one_of_everything(db, me.account), _one_of_everything(db, other)
    token = _session(db, me.user)

    on_a = auth.resolve_session(db, token=token)
    assert (on_a.account_id, on_a.role) == (me.account.id, FULL)
    for kind, accessor in ACCESSORS.items():
        assert accessor(db, on_a, mine[kind]).id == mine[kind]
        with pytest.raises(NotFound):
            accessor(db, on_a, theirs[kind])
    assert access.access_account(db, on_a).id == me.account.id

    memberships.switch_account(db, principal=on_a, account_id=other.id)
    db.commit()
    on_b = auth.resolve_session(db, token=token)
    assert on_b.account_id == other.id and on_b.display_name == "Bea Other"
    for kind, accessor in ACCESSORS.items():
        assert accessor(db, on_b, theirs[kind]).id == theirs[kind]
        with pytest.raises(NotFound):
            accessor(db, on_b, mine[kind])
    # both histories say so; the choice lives in the session row, not in anything the client sends
    assert db.exec(select(UserSession.account_id).where(UserSession.id == on_b.session_id)).one() == other.id
    actions = {(h.account_id, h.action) for h in db.exec(select(AccountHistory))}
    assert {(other.id, "account_switched_to"), (me.account.id, "account_switched_away")} <= actions


def test_an_account_the_sign_in_does_not_hold_cannot_be_chosen(db: Session) -> None:
    me, stranger = make_subscriber(db), make_subscriber(db)
    db.commit()
    principal = auth.resolve_session(db, token=_session(db, me.user))
    for bad in (stranger.account.id, "1e9", -1, None, True, 2**70):
        with pytest.raises(NotFound):
            memberships.switch_account(db, principal=principal, account_id=bad)
    db.rollback()
    assert auth.resolve_session(db, token=_session(db, me.user)).account_id == me.account.id


def test_resolve_session_stays_one_query_with_memberships(db: Session) -> None:

    me = make_subscriber(db)
    _member(db, me.user, make_account(db), VIEW)
    token = _session(db, me.user)
    auth.resolve_session(db, token=token)  # the last-seen write happens at most once a minute
    db.commit()
    session_cache.forget_all()  # a worker that has not seen this session yet
    assert count_queries(db, lambda: auth.resolve_session(db, token=token)) == 1
    # then from this worker's cache, with no query at all
    assert count_queries(db, lambda: auth.resolve_session(db, token=token)) == 0


@pytest.mark.parametrize("role,allowed", [(FULL, {FULL, BILLING}), (BILLING, {BILLING}), (VIEW, set())])
def test_the_role_guard_follows_the_membership(db: Session, role: str, allowed: set[str]) -> None:
    me = make_subscriber(db)
    other = make_account(db)
    _member(db, me.user, other, role)
    token = _session(db, me.user)
    memberships.switch_account(db, principal=auth.resolve_session(db, token=token), account_id=other.id)
    db.commit()
    principal = auth.resolve_session(db, token=token)
    assert principal.role == role
    for needed in (FULL, BILLING):
        if needed in allowed:
            access.require_role(principal, needed)
        else:
            with pytest.raises(Forbidden):
                access.require_role(principal, needed)
    access.require_role(Principal(kind="staff", display_name="Agent", staff_user_id=1), FULL)  # staff: own guard


def _invitation_link(db: Session, to: str) -> str:
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == to).order_by(col(OutboxMail.id).desc())).first()
    assert mail is not None and "7 days" in mail.body_text
    return re.search(r"/invitation\?token=([A-Za-z0-9_-]+)", mail.body_text).group(1)


def test_an_invitation_adds_the_account_once_and_only_for_seven_days(db: Session) -> None:
    holder, invitee = make_subscriber(db), make_subscriber(db)
    db.commit()
    owner = auth.resolve_session(db, token=_session(db, holder.user))
    notice = memberships.invite(db, principal=owner, email=" Guest@Mail.Example ", role=BILLING)
    db.commit()
    assert "guest@mail.example" in notice
    raw = _invitation_link(db, "guest@mail.example")
    assert [p.email for p in memberships.pending_invitations(db, principal=owner)] == ["guest@mail.example"]
    view = memberships.inspect_invitation(db, raw_token=raw)
    assert view.role == BILLING and holder.account.account_number in view.account_label

    token = _session(db, invitee.user)
    chosen = memberships.accept_invitation(db, principal=auth.resolve_session(db, token=token), raw_token=raw)
    db.commit()
    assert chosen.account_id == holder.account.id
    now_on = auth.resolve_session(db, token=token)
    assert (now_on.account_id, now_on.role) == (holder.account.id, BILLING)
    assert [c.account_id for c in memberships.accounts_of(db, principal=now_on)] == [invitee.account.id,
                                                                                      holder.account.id]
    with pytest.raises(memberships.InvitationInvalid):  # used
        memberships.accept_invitation(db, principal=now_on, raw_token=raw)
    db.rollback()
    assert memberships.pending_invitations(db, principal=owner) == []

    memberships.invite(db, principal=owner, email="late@mail.example", role=VIEW)
    db.commit()
    late = _invitation_link(db, "late@mail.example")
    with pytest.raises(tokens.TokenInvalid):  # a minute past its 7 days
        tokens.peek(db, purpose=tokens.INVITE, raw=late, now=utcnow() + dt.timedelta(days=7, minutes=1))
    with pytest.raises(memberships.InvitationInvalid):
        memberships.accept_invitation(db, principal=now_on, raw_token=late + "x")  # tampered
    actions = [h.action for h in db.exec(select(AccountHistory).where(AccountHistory.account_id == holder.account.id))]
    assert "member_invited" in actions and "member_added" in actions


def test_an_expired_invitation_is_refused(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    holder, invitee = make_subscriber(db), make_subscriber(db)
    db.commit()
    memberships.invite(db, principal=auth.resolve_session(db, token=_session(db, holder.user)),
                       email="later@mail.example", role=VIEW)
    db.commit()
    raw = _invitation_link(db, "later@mail.example")
    row = db.exec(select(AuthToken).where(AuthToken.purpose == tokens.INVITE)).one()
    assert dt.timedelta(days=6, hours=23) < row.expires_at - row.created_at <= dt.timedelta(days=7, minutes=1)
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(memberships.InvitationInvalid):
        memberships.accept_invitation(db, principal=auth.resolve_session(db, token=_session(db, invitee.user)),
                                      raw_token=raw)


def test_only_the_full_role_invites_and_sees_who_has_access(db: Session) -> None:
    holder, helper = make_subscriber(db), make_subscriber(db)
    _member(db, helper.user, holder.account, BILLING)
    token = _session(db, helper.user)
    memberships.switch_account(db, principal=auth.resolve_session(db, token=token), account_id=holder.account.id)
    db.commit()
    billing_only = auth.resolve_session(db, token=token)
    for verb, kwargs in ((memberships.invite, {"email": "x@mail.example", "role": FULL}),
                         (memberships.members, {}), (memberships.remove_member, {"membership_id": 1})):
        with pytest.raises(Forbidden):
            verb(db, principal=billing_only, **kwargs)
    owner = auth.resolve_session(db, token=_session(db, holder.user))
    with pytest.raises(FieldErrors) as bad:
        memberships.invite(db, principal=owner, email="not an email", role="owner")
    assert set(bad.value.errors) == {"invite_email", "invite_role"}
    people = memberships.members(db, principal=owner)
    assert [(p.username, p.role, p.is_you) for p in people] == [(holder.user.username, FULL, True),
                                                               (helper.user.username, BILLING, False)]


def test_removal_ends_the_removed_persons_session_on_that_account_at_its_next_event(db: Session) -> None:
    holder, helper = make_subscriber(db), make_subscriber(db)
    membership = _member(db, helper.user, holder.account, FULL)
    on_holders = _session(db, helper.user)
    memberships.switch_account(db, principal=auth.resolve_session(db, token=on_holders), account_id=holder.account.id)
    on_own = _session(db, helper.user)  # another browser of theirs, on their own account
    db.commit()
    owner = auth.resolve_session(db, token=_session(db, holder.user))
    with pytest.raises(FieldErrors):  # nobody locks themselves out here
        memberships.remove_member(db, principal=owner, membership_id=memberships.members(db, principal=owner)[0]
                                  .membership_id)
    stranger = auth.resolve_session(db, token=_session(db, make_subscriber(db).user))
    with pytest.raises((NotFound, Forbidden)):
        memberships.remove_member(db, principal=stranger, membership_id=membership.id)
    assert memberships.remove_member(db, principal=owner, membership_id=membership.id) == helper.user.username
    db.commit()
    with pytest.raises(auth.SessionInvalid):
        auth.resolve_session(db, token=on_holders)
    assert auth.resolve_session(db, token=on_own).account_id == helper.account.id  # their own account stays
    assert db.exec(select(AccountMembership).where(AccountMembership.user_id == helper.user.id)).all()[0].account_id \
        == helper.account.id
    assert "member_removed" in [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == holder.account.id))]


def test_a_membership_removed_behind_a_live_session_ends_it_even_without_the_revocation(db: Session) -> None:
    me = make_subscriber(db)
    other = make_account(db)
    row = _member(db, me.user, other, VIEW)
    token = _session(db, me.user)
    memberships.switch_account(db, principal=auth.resolve_session(db, token=token), account_id=other.id)
    db.delete(row)
    db.commit()
    with pytest.raises(auth.SessionInvalid) as ended:
        auth.resolve_session(db, token=token)
    assert ended.value.reason == "revoked"


def test_an_invitee_without_a_sign_in_makes_one_for_the_invited_role_only(db: Session) -> None:
    holder = make_subscriber(db)
    db.commit()
    memberships.invite(db, principal=auth.resolve_session(db, token=_session(db, holder.user)),
                       email="newbie@mail.example", role=VIEW)
    db.commit()
    raw = _invitation_link(db, "newbie@mail.example")
    with pytest.raises(FieldErrors):
        memberships.create_sign_in_from_invitation(db, raw_token=raw, username="x", password="short")
    db.rollback()
    username = memberships.create_sign_in_from_invitation(db, raw_token=raw, username="Newbie.Guest",
                                                          password="a-long-enough-passphrase-9")
    db.commit()
    user = db.exec(select(PortalUser).where(PortalUser.username == username)).one()
    assert user.email == "newbie@mail.example" and user.verified_at is not None
    principal = auth.resolve_session(db, token=_session(db, user))
    assert (principal.account_id, principal.role) == (holder.account.id, VIEW)
    with pytest.raises(memberships.InvitationInvalid):
        memberships.create_sign_in_from_invitation(db, raw_token=raw, username="again", password="a-long-enough-9x")


# --- adding an account with sign-up's proof ---------------------------------------------------------


def _with_email(db: Session, account, address: str) -> ContactPoint:
    contact = Contact(account_id=account.id, first_name="Holder", last_name=account.last_name)
    db.add(contact)
    db.flush()
    point = ContactPoint(contact_id=contact.id, account_id=account.id, kind="email", value=address)
    db.add(point)
    db.commit()
    return point


def test_a_signed_in_user_adds_an_account_they_prove_with_a_link_to_an_address_on_it(db: Session) -> None:
    me = make_subscriber(db)
    other = make_account(db, first_name="Lou", last_name="Landlord")
    point = _with_email(db, other, "lou@mail.example")
    principal = auth.resolve_session(db, token=_session(db, me.user))
    with pytest.raises(memberships.SignUpRefused):  # the same answer for a wrong name and a missing account
        memberships.start_adding_account(db, principal=principal, account_number=other.account_number,
                                         last_name="Wrong", billing_zip="")
    with pytest.raises(FieldErrors):
        memberships.start_adding_account(db, principal=principal, account_number=me.account.account_number,
                                         last_name=me.account.last_name, billing_zip="")  # already theirs
    started = memberships.start_adding_account(db, principal=principal, account_number=other.account_number,
                                               last_name="landlord", billing_zip="")
    db.commit()
    assert [c.id for c in started.choices] == [point.id] and "lou@" not in started.choices[0].masked
    assert auth.resolve_session(db, token=_session(db, me.user)).account_id == me.account.id  # nothing added yet
    stranger = auth.resolve_session(db, token=_session(db, make_subscriber(db).user))
    with pytest.raises(tokens.TokenInvalid):  # the request is bound to the sign-in that made it
        memberships.send_add_account_link(db, principal=stranger, request=started.request, choice_id=point.id)
    masked = memberships.send_add_account_link(db, principal=principal, request=started.request, choice_id=point.id)
    db.commit()
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == "lou@mail.example")).one()
    raw = re.search(r"/confirm-add-account\?token=([A-Za-z0-9_-]+)", mail.body_text).group(1)
    assert masked.startswith("l•••@")
    assert memberships.confirm_add_account_link(db, raw_token=raw) == other.account_number
    db.commit()
    held = {c.account_id: c.role for c in memberships.accounts_of(db, principal=principal)}
    assert held == {me.account.id: FULL, other.id: FULL}
    with pytest.raises(tokens.TokenInvalid):
        memberships.confirm_add_account_link(db, raw_token=raw)
    assert "member_added" in [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == other.id))]


def test_the_latest_bill_proves_an_account_where_the_provider_allows_it(db: Session,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_app.config import get_settings

    me = make_subscriber(db)
    other = make_account(db, last_name="Biller")
    invoice = make_invoice(db, other, 4567)
    db.commit()
    principal = auth.resolve_session(db, token=_session(db, me.user))
    started = memberships.start_adding_account(db, principal=principal, account_number=other.account_number,
                                               last_name="Biller", billing_zip="")
    with pytest.raises(FieldErrors):  # not offered by default
        memberships.add_account_with_bill(db, principal=principal, request=started.request, value=invoice.number)
    monkeypatch.setenv("PORTAL_SIGNUP_BILL_PROOF", "true")
    get_settings.cache_clear()
    try:
        with pytest.raises(FieldErrors):
            memberships.add_account_with_bill(db, principal=principal, request=started.request, value="$1.00")
        chosen = memberships.add_account_with_bill(db, principal=principal, request=started.request, value="$45.67")
        db.commit()
    finally:
        get_settings.cache_clear()
    assert chosen.account_id == other.id and chosen.role == FULL


def test_a_sign_in_removed_from_its_own_account_starts_on_one_it_still_holds_and_one_with_none_cannot(
        db: Session) -> None:
    holder, guest = make_subscriber(db), make_subscriber(db)
    _member(db, guest.user, holder.account, VIEW)
    own = db.exec(select(AccountMembership).where(AccountMembership.user_id == guest.user.id,
                                                  AccountMembership.account_id == guest.account.id)).one()
    db.delete(own)
    db.commit()
    principal = auth.resolve_session(db, token=_session(db, guest.user))
    assert (principal.account_id, principal.role) == (holder.account.id, VIEW)
    db.delete(db.exec(select(AccountMembership).where(AccountMembership.user_id == guest.user.id)).one())
    db.commit()
    with pytest.raises(auth.SessionInvalid):
        _session(db, guest.user)
