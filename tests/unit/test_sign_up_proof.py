"""Self sign-up cannot take over an account: proof of control, notices with a removal link,
the bill option, staff approval, and no username enumeration (issue 10, items 2 and 6)."""

from __future__ import annotations

import pytest
from factories import make_account, make_invoice, make_user
from sqlmodel import Session, select
from test_access_services import NEW_PASSWORD, _actions, _finish_by_link, _form, _holder, _mails, _token_in

from portal_app.config import get_settings
from portal_app.models import OutboxMail, PortalUser, UserSession
from portal_app.services.identity import auth, portal_users, ratelimit, tokens
from portal_app.services.orders import cart
from portal_app.services.core.errors import FieldErrors
from portal_app.services.identity.portal_users import SignUpRefused


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch):
    """Provider settings for one test (get_settings is cached)."""
    def apply(**values):
        get_settings.cache_clear()
        for name, value in values.items():
            monkeypatch.setenv(f"PORTAL_{name.upper()}", str(value))
    yield apply
    get_settings.cache_clear()


def test_the_link_goes_only_to_an_address_already_on_the_account(db: Session) -> None:
    account = make_account(db, last_name="Lovelace")
    _holder(db, account)
    other = make_account(db, last_name="Byron")
    foreign = _holder(db, other, email="byron@mail.example")
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number))
    db.commit()
    with pytest.raises(FieldErrors) as refused:  # a contact of another account is no choice
        portal_users.send_sign_up_link(db, request=started.request, choice_id=foreign.id)
    assert set(refused.value.errors) == {"choice"}
    assert _mails(db, "byron@mail.example") == [] and _mails(db, "ada@mail.example") == []
    with pytest.raises(tokens.TokenInvalid):  # a made-up request names no sign-up
        portal_users.send_sign_up_link(db, request="made-up", choice_id=foreign.id)


def test_existing_users_and_the_holder_are_told_and_can_remove_the_new_sign_in(db: Session) -> None:
    account = make_account(db, last_name="Lovelace")
    point = _holder(db, account, email="holder@mail.example")
    make_user(db, account, username="firstuser", email="first@mail.example")
    db.commit()
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number))
    db.commit()
    _finish_by_link(db, started, point)
    assert {m.to_address for m in db.exec(select(OutboxMail)) if "new sign-in was added" in m.subject} == {
        "holder@mail.example", "first@mail.example"}
    notice = next(m for m in _mails(db, "first@mail.example") if "new sign-in" in m.subject)
    assert "'ada'" in notice.body_text and "/remove-sign-in?token=" in notice.body_text
    user = db.exec(select(PortalUser).where(PortalUser.username == "ada")).one()
    user.verified_at = user.created_at
    db.add(UserSession(token_hash="x" * 64, user_id=user.id, expires_at=user.created_at.replace(year=2099)))
    db.commit()
    raw = _token_in(notice)
    assert portal_users.inspect_removal(db, raw_token=raw) == "ada"
    portal_users.remove_by_link(db, raw_token=raw)
    db.commit()
    db.refresh(user)
    assert user.disabled is True
    assert db.exec(select(UserSession).where(UserSession.user_id == user.id)).one().revoked_at is not None
    assert "portal_user_removed" in _actions(db, account.id)
    with pytest.raises(tokens.TokenInvalid):
        portal_users.remove_by_link(db, raw_token=raw)


def test_proof_to_the_sign_ins_own_address_needs_no_second_email(db: Session) -> None:
    account = make_account(db, last_name="Lovelace")
    point = _holder(db, account, email="ada@mail.example")
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number))
    db.commit()
    done = _finish_by_link(db, started, point)
    assert done.verified is True
    assert auth.authenticate(db, login="ada", password=NEW_PASSWORD).username == "ada"
    with pytest.raises(tokens.TokenInvalid):  # the link worked once
        portal_users.confirm_sign_up_link(db, raw_token=_token_in(_mails(db, "ada@mail.example")[0]))


def test_a_value_from_the_latest_bill_proves_control_only_where_the_provider_allows(db: Session, settings) -> None:
    account = make_account(db, last_name="Lovelace")
    make_invoice(db, account, 8416)
    db.commit()
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number))
    db.commit()
    assert started.bill_proof is False
    with pytest.raises(FieldErrors):
        portal_users.prove_with_bill(db, request=started.request, value="84.16")
    settings(signup_bill_proof="true")
    with pytest.raises(FieldErrors) as wrong:
        portal_users.prove_with_bill(db, request=started.request, value="84.17")
    assert wrong.value.errors == {"bill_value": portal_users.BILL_MISMATCH}
    done = portal_users.prove_with_bill(db, request=started.request, value="$84.16")
    db.commit()
    assert done.verified is False and len(_mails(db, "ada@mail.example")) == 1
    assert db.exec(select(PortalUser).where(PortalUser.username == "ada")).one().disabled is False


def test_the_provider_can_hold_new_sign_ins_for_staff_approval(db: Session, settings) -> None:
    settings(signup_staff_approval="true")
    account = make_account(db, last_name="Lovelace")
    point = _holder(db, account, email="ada@mail.example")
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number))
    db.commit()
    done = _finish_by_link(db, started, point)
    assert done.awaiting_approval is True
    assert db.exec(select(PortalUser).where(PortalUser.username == "ada")).one().disabled is True


def test_a_taken_username_is_said_only_after_the_account_matches(db: Session) -> None:
    account = make_account(db, last_name="Lovelace")
    make_user(db, account, username="ada")
    db.commit()
    with pytest.raises(SignUpRefused):
        portal_users.sign_up(db, form=_form(account_number="000000001", username="ada"))
    with pytest.raises(FieldErrors) as taken:
        portal_users.sign_up(db, form=_form(account_number=account.account_number, username="ada"))
    assert set(taken.value.errors) == {"username"}


def test_every_sign_up_attempt_counts_against_the_limits(db: Session) -> None:
    for n in range(ratelimit.SIGN_UP_IP.limit):
        with pytest.raises((SignUpRefused, FieldErrors)):
            portal_users.sign_up(db, form=_form(account_number=f"00000{n:04d}", username=f"probe{n}"),
                                 client_ip="203.0.113.9")
    with pytest.raises(ratelimit.RateLimited):
        portal_users.sign_up(db, form=_form(account_number="000000999"), client_ip="203.0.113.9")


def test_cart_username_answers_count_against_the_limits(db: Session) -> None:
    form = cart.CartForm(street="", city="", state="TX", zip_code="00000", package_id=0, first_name="A",
                         last_name="B", email="a@mail.example", phone="5125550100", want_portal=True,
                         username="someone", password=NEW_PASSWORD)
    for _ in range(ratelimit.SIGN_UP_IP.limit):
        with pytest.raises(FieldErrors):
            cart.place_order(db, form=form, client_ip="203.0.113.7")
    with pytest.raises(ratelimit.RateLimited):
        cart.place_order(db, form=form, client_ip="203.0.113.7")


def test_staff_approve_a_held_sign_in_by_enabling_it(db: Session, settings) -> None:
    from portal_app.models import StaffUser
    from portal_app.services.staff import staff_accounts
    from portal_app.services.core.principal import Principal

    settings(signup_staff_approval="true")
    account = make_account(db, last_name="Lovelace")
    point = _holder(db, account, email="ada@mail.example")
    _finish_by_link(db, portal_users.sign_up(db, form=_form(account_number=account.account_number)), point)
    agent = StaffUser(username="agent", email="agent@isp.example", full_name="Sam Agent", password_hash="x")
    db.add(agent)
    db.commit()
    staff = Principal(kind="staff", display_name="Sam Agent", staff_user_id=agent.id)
    [row] = staff_accounts.portal_users(db, principal=staff, account_number=account.account_number)
    assert row.state == "Disabled"
    staff_accounts.enable_portal_user(db, principal=staff, account_number=account.account_number, user_id=row.id)
    db.commit()
    assert auth.authenticate(db, login="ada", password=NEW_PASSWORD).username == "ada"
    assert "portal_user_enabled" in _actions(db, account.id)


def test_bills_and_receipts_go_only_to_a_verified_enabled_sign_in(db: Session) -> None:
    from portal_app.services.billing import payments

    account = make_account(db)
    pending = make_user(db, account, username="pending", email="pending@mail.example", verified=False)
    held = make_user(db, account, username="held", email="held@mail.example", disabled=True)
    db.commit()
    assert payments.receipt_address(db, account_id=account.id) is None
    assert payments.receipt_address(db, account_id=account.id, user_id=pending.id) is None
    assert payments.receipt_address(db, account_id=account.id, user_id=held.id) is None
    assert payments.receipt_addresses(db, [account.id]) == {}  # AutoPay batches alike
    make_user(db, account, username="real", email="real@mail.example")
    db.commit()
    assert payments.receipt_address(db, account_id=account.id, user_id=pending.id) == "real@mail.example"
    assert payments.receipt_addresses(db, [account.id]) == {account.id: "real@mail.example"}
