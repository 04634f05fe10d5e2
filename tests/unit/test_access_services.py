"""Access services on a real database: sign-up, verification, reset, tokens, rate limits, two-factor."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from factories import PASSWORD, make_account, make_subscriber, make_user
from sqlmodel import Session, col, select

from portal_app.models import AccountHistory, AuthToken, OutboxMail, PortalUser, RateLimitBucket, RecoveryCode, UserSession, utcnow
from portal_app.services.identity import auth, portal_users, ratelimit, signin_flow, tokens, two_factor
from portal_app.services.core.errors import FieldErrors, SignInFailed
from portal_app.services.identity.passwords import common_passwords, password_problem
from portal_app.services.identity.portal_users import SignUpForm, SignUpRefused
from portal_app.services.identity.secrets_util import hash_token

NEW_PASSWORD = "a-brand-new-passphrase-77"


def _mails(db: Session, to: str) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.to_address == to).order_by(col(OutboxMail.id))))


def _token_in(mail: OutboxMail) -> str:
    match = re.search(r"token=([A-Za-z0-9_-]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def _actions(db: Session, account_id: int) -> list[str]:
    return [h.action for h in db.exec(select(AccountHistory).where(AccountHistory.account_id == account_id))]


def _form(**overrides) -> SignUpForm:
    fields = dict(
        account_number="", last_name="Lovelace", billing_zip="", first_name="Ada", contact_last_name="Lovelace",
        phone="512 555 0100", email="ada@mail.example", username="ada", password=NEW_PASSWORD,
    )
    fields.update(overrides)
    return SignUpForm(**fields)


# --- passwords -----------------------------------------------------------------------------------


def test_the_common_password_list_holds_ten_thousand_and_refuses_them() -> None:
    assert len(common_passwords()) >= 9_900  # 10,000 lines; a few differ only by case
    assert password_problem("qwerty123456") and "common" in password_problem("qwerty123456")
    assert password_problem("LeaveMeAlone") and "common" in password_problem("LeaveMeAlone")
    assert password_problem("short-pass") == "Use at least 12 characters."
    assert password_problem("correct horse battery staple, pasted") is None  # long passphrases are welcome


@pytest.mark.parametrize("weak", [
    "x" * 64 + "yz",  # a repeat, however long
    "abcdefghijklmnopqrs",  # a sequence
    "1234567890123456789",
    "qwertyuiopasdfghjkl",  # a keyboard walk
    "lumenfiber-lumenfiber",  # the provider's name
    "Lumen Fiber portal 2026",
    "adalovelace-adalovelace",  # the username
    "ada.lovelace@mail.example!",  # the email
])
def test_trivially_weak_passwords_of_any_length_are_refused_with_a_reason(weak: str) -> None:
    problem = password_problem(weak, username="adalovelace", email="ada.lovelace@mail.example")
    assert problem and ("easy to guess" in problem or "our name" in problem or "username or email" in problem)


# --- self sign-up ----------------------------------------------------------------------------------


def _holder(db: Session, account, email: str = "holder@mail.example"):
    """The account holder as a contact (type Owner) with an email address: where proof links go."""
    from portal_app.models import Contact, ContactPoint, ContactType

    owner = db.exec(select(ContactType).where(ContactType.name == "Owner")).first()
    if owner is None:
        owner = ContactType(name="Owner")
        db.add(owner)
        db.flush()
    person = Contact(account_id=account.id, contact_type_id=owner.id, first_name=account.first_name,
                     last_name=account.last_name)
    db.add(person)
    db.flush()
    point = ContactPoint(contact_id=person.id, account_id=account.id, kind="email", value=email, label="Home")
    db.add(point)
    db.commit()
    return point


def _finish_by_link(db: Session, started, point) -> portal_users.SignUpDone:
    portal_users.send_sign_up_link(db, request=started.request, choice_id=point.id)
    db.commit()
    done = portal_users.confirm_sign_up_link(db, raw_token=_token_in(_mails(db, point.value)[-1]))
    db.commit()
    return done


def test_sign_up_holds_the_user_until_an_address_on_the_account_confirms(db: Session) -> None:
    account = make_account(db, last_name="Lovelace")
    point = _holder(db, account)
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number, last_name=" lovelace "))
    db.commit()
    user = db.exec(select(PortalUser).where(PortalUser.username == "ada")).one()
    assert user.disabled and user.verified_at is None and user.account_id == account.id
    assert [c.masked for c in started.choices] == ["h•••@m•••.example"]  # only what is already on the account
    assert _mails(db, "ada@mail.example") == [] and "sign_up_started" in _actions(db, account.id)
    with pytest.raises(SignInFailed):
        auth.authenticate(db, login="ada", password=NEW_PASSWORD)
    portal_users.resend_verification(db, login="ada")  # no way around the proof
    assert _mails(db, "ada@mail.example") == []

    done = _finish_by_link(db, started, point)
    db.refresh(user)
    assert done.verified is False and user.disabled is False
    [mail] = _mails(db, "ada@mail.example")
    assert "/verify?token=" in mail.body_text and "5 days" in mail.body_text
    assert "signed_up" in _actions(db, account.id)
    with pytest.raises(auth.NotVerified):
        auth.authenticate(db, login="ada", password=NEW_PASSWORD)


@pytest.mark.parametrize("wrong", ["number", "last_name", "both"])
def test_sign_up_mismatch_never_says_which_field(db: Session, wrong: str) -> None:
    account = make_account(db, last_name="Lovelace")
    db.commit()
    number = "000000001" if wrong in ("number", "both") else account.account_number
    last = "Byron" if wrong in ("last_name", "both") else "Lovelace"
    with pytest.raises(SignUpRefused) as refusal:
        portal_users.sign_up(db, form=_form(account_number=number, last_name=last))
    assert str(refusal.value) == portal_users.NO_MATCH
    db.rollback()
    assert db.exec(select(PortalUser)).first() is None


def test_business_sign_up_matches_the_billing_zip(db: Session) -> None:
    account = make_account(db, kind="business", company_name="Bakery LLC", last_name="")
    db.commit()
    with pytest.raises(SignUpRefused):
        portal_users.sign_up(db, form=_form(account_number=account.account_number, last_name="", billing_zip="99999"))
    started = portal_users.sign_up(db, form=_form(account_number=account.account_number, last_name="", billing_zip="78701"))
    assert started.username == "ada"


def test_sign_up_validates_every_field_next_to_it(db: Session) -> None:
    with pytest.raises(FieldErrors) as problems:
        portal_users.sign_up(db, form=_form(account_number="", email="nope", username="a", password="password", first_name=""))
    assert set(problems.value.errors) >= {"account_number", "email", "username", "password", "first_name"}


# --- verification tokens: expiry at the boundary, reuse, tampering ---------------------------------


def _staff_like_user(db: Session) -> tuple[PortalUser, str]:
    account = make_account(db)
    user = portal_users.create_unverified_user(db, account=account, username="newbie", email="newbie@mail.example", password=None)
    db.commit()
    return user, _token_in(_mails(db, "newbie@mail.example")[0])


def test_verification_link_lives_exactly_five_days(db: Session) -> None:
    user, raw = _staff_like_user(db)
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(raw))).one()
    assert row.expires_at - row.created_at == pytest.approx(timedelta(days=5), abs=timedelta(seconds=2))
    issued = row.expires_at - timedelta(days=5)
    tokens.peek(db, purpose=tokens.VERIFY, raw=raw, now=issued + timedelta(days=5) - timedelta(seconds=1))
    with pytest.raises(tokens.TokenInvalid):
        tokens.peek(db, purpose=tokens.VERIFY, raw=raw, now=issued + timedelta(days=5) + timedelta(seconds=1))


def test_verification_sets_the_password_once_and_only_once(db: Session) -> None:
    user, raw = _staff_like_user(db)
    assert portal_users.inspect_verification(db, raw_token=raw).needs_password
    with pytest.raises(FieldErrors):
        portal_users.verify_email(db, raw_token=raw, new_password="1qaz2wsx3edc")  # a common one: refused before the link is used
    portal_users.verify_email(db, raw_token=raw, new_password=NEW_PASSWORD)
    db.commit()
    assert auth.authenticate(db, login="newbie", password=NEW_PASSWORD).id == user.id
    with pytest.raises(tokens.TokenInvalid):
        portal_users.verify_email(db, raw_token=raw, new_password="another-passphrase-99")
    assert "email_verified" in _actions(db, user.account_id)


@pytest.mark.parametrize("mangle", [lambda t: t[:-1], lambda t: t + "A", lambda t: t.upper(), lambda t: "", lambda t: hash_token(t)])
def test_tampered_verification_links_fail(db: Session, mangle) -> None:
    _, raw = _staff_like_user(db)
    with pytest.raises(tokens.TokenInvalid):
        portal_users.verify_email(db, raw_token=mangle(raw), new_password=NEW_PASSWORD)


def test_a_reset_token_is_not_a_verification_token(db: Session) -> None:
    subscriber = make_subscriber(db)
    raw = tokens.issue(db, purpose=tokens.RESET, user_id=subscriber.user.id)
    with pytest.raises(tokens.TokenInvalid):
        portal_users.verify_email(db, raw_token=raw)


def test_only_the_hash_of_a_token_is_stored(db: Session) -> None:
    _, raw = _staff_like_user(db)
    assert db.exec(select(AuthToken).where(AuthToken.token_hash == raw)).first() is None
    assert db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(raw))).first() is not None


# --- resend and reset: same answer for known and unknown --------------------------------------------


def test_resend_says_the_same_for_known_unknown_and_verified(db: Session) -> None:
    account = make_account(db)
    make_user(db, account, username="pending", email="pending@mail.example", verified=False)
    make_user(db, account, username="done", email="done@mail.example")
    db.commit()
    answers = {login: portal_users.resend_verification(db, login=login) for login in ("pending", "done", "ghost")}
    db.commit()
    assert len(set(answers.values())) == 1
    assert len(_mails(db, "pending@mail.example")) == 1
    assert _mails(db, "done@mail.example") == []


def test_reset_end_to_end_in_services(db: Session) -> None:
    subscriber = make_subscriber(db)
    other_session = auth.redeem_session_ticket(db, ticket=auth.create_session_ticket(db, user=subscriber.user))
    db.commit()
    known = portal_users.request_password_reset(db, email=subscriber.user.email.upper())
    unknown = portal_users.request_password_reset(db, email="nobody@mail.example")
    db.commit()
    assert known == unknown == portal_users.RESET_SENT
    [mail] = _mails(db, subscriber.user.email)
    raw = _token_in(mail)
    assert "/reset-password?token=" in mail.body_text and "1 hour" in mail.body_text
    assert portal_users.inspect_reset(db, raw_token=raw) == subscriber.user.username
    with pytest.raises(FieldErrors):
        portal_users.reset_password(db, raw_token=raw, new_password="q1w2e3r4t5y6")
    portal_users.reset_password(db, raw_token=raw, new_password=NEW_PASSWORD)
    db.commit()
    assert auth.authenticate(db, login=subscriber.user.username, password=NEW_PASSWORD)
    with pytest.raises(auth.SessionInvalid):
        auth.resolve_session(db, token=other_session.token)  # every other session ended
    with pytest.raises(tokens.TokenInvalid):
        portal_users.reset_password(db, raw_token=raw, new_password="yet-another-passphrase")
    notices = _mails(db, subscriber.user.email)
    assert len(notices) == 2 and "password was changed" in notices[1].subject
    assert "password_reset" in _actions(db, subscriber.account.id)


def test_reset_link_lives_one_hour(db: Session) -> None:
    subscriber = make_subscriber(db)
    now = utcnow()
    raw = tokens.issue(db, purpose=tokens.RESET, user_id=subscriber.user.id, now=now)
    tokens.peek(db, purpose=tokens.RESET, raw=raw, now=now + timedelta(hours=1) - timedelta(seconds=1))
    with pytest.raises(tokens.TokenInvalid):
        tokens.peek(db, purpose=tokens.RESET, raw=raw, now=now + timedelta(hours=1) + timedelta(seconds=1))


def test_a_password_change_voids_outstanding_reset_links(db: Session) -> None:
    subscriber = make_subscriber(db)
    raw = tokens.issue(db, purpose=tokens.RESET, user_id=subscriber.user.id)
    portal_users.set_password(db, user=subscriber.user, new_password=NEW_PASSWORD)
    db.commit()
    with pytest.raises(tokens.TokenInvalid):
        portal_users.reset_password(db, raw_token=raw, new_password="yet-another-passphrase")


# --- rate limits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["maya", "ghost"])
def test_sign_in_rate_limit_is_reached_and_recovers(db: Session, login: str) -> None:
    make_user(db, make_account(db), username="maya")
    db.commit()
    answers = [signin_flow.sign_in(db, login=login, password="wrong-password-x", client_ip="198.51.100.7").error for _ in range(6)]
    db.commit()
    assert answers[:5] == [auth.WRONG_CREDENTIALS] * 5
    assert answers[5].startswith("Too many attempts. Please wait 1 minute")
    if login == "maya":  # staff see the lock on the Portal tab
        locked = db.exec(select(PortalUser).where(PortalUser.username == "maya")).one()
        db.refresh(locked)
        assert locked.locked_until is not None and locked.locked_until > utcnow()
    # Blocked even with the right password while the back-off runs...
    assert signin_flow.sign_in(db, login=login, password=PASSWORD).error.startswith("Too many attempts")
    # ...and usable again once it has passed.
    for bucket in db.exec(select(RateLimitBucket)):
        bucket.blocked_until = utcnow() - timedelta(seconds=1)
        db.add(bucket)
    db.commit()
    recovered = signin_flow.sign_in(db, login=login, password=PASSWORD)
    assert recovered.ticket if login == "maya" else recovered.error == auth.WRONG_CREDENTIALS


def test_an_attacker_cannot_keep_the_real_user_out_once_they_used_the_reset_link(db: Session) -> None:
    user = make_user(db, make_account(db), username="maya", email="maya@mail.example")
    db.commit()
    for _ in range(ratelimit.SIGN_IN.limit):  # an attacker locks the sign-in
        signin_flow.sign_in(db, login="maya", password="wrong-password-x", client_ip="203.0.113.66")
    db.commit()
    db.refresh(user)
    assert user.locked_until is not None  # staff see Locked
    portal_users.request_password_reset(db, email="maya@mail.example")
    db.commit()
    portal_users.reset_password(db, raw_token=_token_in(_mails(db, "maya@mail.example")[-1]),
                                new_password=NEW_PASSWORD, binding="maya-browser")
    db.commit()
    for _ in range(3 * ratelimit.SIGN_IN.limit):  # ... and keeps trying from many addresses
        for n in range(2):
            signin_flow.sign_in(db, login="maya", password="wrong-password-x", client_ip=f"203.0.113.{n}")
    db.commit()
    assert signin_flow.sign_in(db, login="maya", password=NEW_PASSWORD, client_ip="198.51.100.20",
                               binding="another-browser").error.startswith("Too many")
    assert signin_flow.sign_in(db, login="maya", password=NEW_PASSWORD, client_ip="198.51.100.20",
                               binding="maya-browser").ticket  # the browser that used the link gets in


def test_back_off_doubles_and_is_capped(db: Session) -> None:
    rule = ratelimit.SIGN_IN
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(rule.limit - 1):
        assert ratelimit.hit(db, [(rule, "maya")], now=now) == {}
    blocks = []
    while not blocks or blocks[-1] < rule.max_block:  # each event past the limit, just as the last block ends
        ends = ratelimit.hit(db, [(rule, "maya")], now=now)[rule.name]
        blocks.append(ends - now)
        with pytest.raises(ratelimit.RateLimited):
            ratelimit.check(db, [(rule, "maya")], now=ends - timedelta(seconds=1))
        ratelimit.check(db, [(rule, "maya")], now=ends)  # free again once the block ends
        now = ends
    assert blocks == [min(rule.first_block * 2**n, rule.max_block) for n in range(len(blocks))]
    assert len(blocks) < 10  # the cap is reached, not doubled forever
    later = now - timedelta(seconds=1)  # one more guess inside the window stays at the cap
    assert ratelimit.hit(db, [(rule, "maya")], now=later)[rule.name] - later == rule.max_block
    ratelimit.check(db, [(rule, "another name")], now=now)  # other keys are untouched


def test_client_address_limit_covers_many_names(db: Session) -> None:
    for n in range(ratelimit.SIGN_IN_IP.limit):
        signin_flow.sign_in(db, login=f"name{n}", password="wrong-password-x", client_ip="198.51.100.8")
    db.commit()
    assert signin_flow.sign_in(db, login="fresh", password="wrong", client_ip="198.51.100.8").error.startswith("Too many")
    assert signin_flow.sign_in(db, login="fresh", password="wrong", client_ip="198.51.100.9").error == auth.WRONG_CREDENTIALS


def test_reset_requests_are_limited_alike_for_known_and_unknown(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    for address in (subscriber.user.email, "nobody@mail.example"):
        for _ in range(ratelimit.RESET.limit):
            portal_users.request_password_reset(db, email=address)
        db.commit()
        with pytest.raises(ratelimit.RateLimited):
            portal_users.request_password_reset(db, email=address)


# --- two-factor -----------------------------------------------------------------------------------------


def test_two_factor_enrolment_and_sign_in_with_code_and_recovery_code(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    enrolment = two_factor.start_enrolment(db, principal=subscriber.principal)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml;base64,")
    assert "otpauth://totp/" in enrolment.otpauth_uri
    with pytest.raises(FieldErrors):
        two_factor.confirm_enrolment(db, principal=subscriber.principal, code="000000")
    totp = pyotp.TOTP(enrolment.secret)
    codes = two_factor.confirm_enrolment(db, principal=subscriber.principal, code=totp.now())
    db.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(row.code_hash not in codes for row in db.exec(select(RecoveryCode)))

    first = signin_flow.sign_in(db, login=subscriber.user.username, password=PASSWORD)
    assert first.two_factor_token and not first.ticket
    wrong = signin_flow.complete_two_factor(db, two_factor_token=first.two_factor_token, code="123456")
    assert wrong.error == signin_flow.WRONG_CODE and not wrong.ticket
    app_code = totp.now()
    ok = signin_flow.complete_two_factor(db, two_factor_token=first.two_factor_token, code=app_code)
    assert ok.ticket
    db.commit()

    second = signin_flow.sign_in(db, login=subscriber.user.username, password=PASSWORD)
    assert signin_flow.complete_two_factor(db, two_factor_token=second.two_factor_token, code=codes[0].upper()).ticket
    db.commit()
    third = signin_flow.sign_in(db, login=subscriber.user.username, password=PASSWORD)
    reused = signin_flow.complete_two_factor(db, two_factor_token=third.two_factor_token, code=codes[0])
    assert reused.error == signin_flow.WRONG_CODE  # a recovery code works once
    replayed = signin_flow.complete_two_factor(db, two_factor_token=third.two_factor_token, code=app_code)
    assert replayed.error == signin_flow.WRONG_CODE  # and an app code too, within its 30 seconds
    assert two_factor.recovery_codes_left(db, principal=subscriber.principal) == 9
    assert {"two_factor_enabled", "recovery_code_used"} <= set(_actions(db, subscriber.account.id))


def test_two_factor_step_expires(db: Session) -> None:
    subscriber = make_subscriber(db)
    raw = tokens.issue(db, purpose=tokens.MFA_PENDING, user_id=subscriber.user.id, now=utcnow() - timedelta(minutes=6))
    assert signin_flow.complete_two_factor(db, two_factor_token=raw, code="123456").error == signin_flow.CODE_EXPIRED


def test_sessions_are_ended_by_sign_out_everywhere(db: Session) -> None:
    from portal_app.services.identity import account_security

    subscriber = make_subscriber(db)
    tokens_ = [auth.redeem_session_ticket(db, ticket=auth.create_session_ticket(db, user=subscriber.user)).token for _ in range(2)]
    db.commit()
    assert account_security.sign_out_everywhere(db, principal=subscriber.principal) == 2
    db.commit()
    assert db.exec(select(UserSession).where(col(UserSession.revoked_at).is_(None))).first() is None
    for token in tokens_:
        with pytest.raises(auth.SessionInvalid):
            auth.resolve_session(db, token=token)


# --- account security: email change, two-factor off ----------------------------------------------------


def test_email_change_waits_for_the_new_address_then_tells_the_old_one(db: Session) -> None:
    from portal_app.services.identity import account_security

    subscriber = make_subscriber(db)
    old = subscriber.user.email
    with pytest.raises(FieldErrors) as wrong:
        account_security.request_email_change(db, principal=subscriber.principal, password="nope", new_email="new@mail.example")
    assert set(wrong.value.errors) == {"email_password"}
    account_security.request_email_change(db, principal=subscriber.principal, password=PASSWORD, new_email="New@Mail.Example")
    db.commit()
    db.refresh(subscriber.user)
    assert subscriber.user.email == old  # nothing changes before the link is opened
    [mail] = _mails(db, "new@mail.example")
    raw = _token_in(mail)
    assert "/confirm-email?token=" in mail.body_text
    account_security.confirm_email_change(db, raw_token=raw)
    db.commit()
    db.refresh(subscriber.user)
    assert subscriber.user.email == "new@mail.example"
    [notice] = _mails(db, old)
    assert "new@mail.example" in notice.body_text
    with pytest.raises(tokens.TokenInvalid):
        account_security.confirm_email_change(db, raw_token=raw)
    assert {"email_change_requested", "email_changed"} <= set(_actions(db, subscriber.account.id))


def test_turning_two_factor_off_needs_the_password_and_removes_the_codes(db: Session) -> None:
    subscriber = make_subscriber(db)
    secret = two_factor.start_enrolment(db, principal=subscriber.principal).secret
    two_factor.confirm_enrolment(db, principal=subscriber.principal, code=pyotp.TOTP(secret).now())
    db.commit()
    with pytest.raises(FieldErrors):
        two_factor.disable(db, principal=subscriber.principal, password="wrong-password")
    two_factor.disable(db, principal=subscriber.principal, password=PASSWORD)
    db.commit()
    assert db.exec(select(RecoveryCode)).first() is None
    assert signin_flow.sign_in(db, login=subscriber.user.username, password=PASSWORD).ticket
    assert "two_factor_disabled" in _actions(db, subscriber.account.id)


def test_another_subscribers_principal_cannot_touch_a_sign_in(db: Session) -> None:
    from portal_app.services.identity import account_security
    from portal_app.services.core.errors import NotFound
    from portal_app.services.core.principal import Principal

    mine, theirs = make_subscriber(db), make_subscriber(db)
    forged = Principal(kind="subscriber", display_name="x", user_id=theirs.user.id, account_id=mine.account.id)
    with pytest.raises(NotFound):
        account_security.change_password(db, principal=forged, current_password=PASSWORD, new_password=NEW_PASSWORD)
    with pytest.raises(NotFound):
        two_factor.start_enrolment(db, principal=forged)


# --- staff search ---------------------------------------------------------------------------------------------


def test_staff_find_accounts_by_number_name_email_and_phone(db: Session) -> None:
    from portal_app.models import Contact, ContactPoint
    from portal_app.services.staff import staff_accounts
    from portal_app.services.core.errors import NotFound
    from portal_app.services.core.principal import Principal

    account = make_account(db, first_name="Maya", last_name="Okafor")
    make_account(db, first_name="Other", last_name="Person")
    make_user(db, account, email="maya.o@mail.example")
    contact = Contact(account_id=account.id, first_name="Maya", last_name="Okafor")
    db.add(contact)
    db.flush()
    db.add(ContactPoint(contact_id=contact.id, account_id=account.id, kind="phone", value="+15125550142"))
    db.commit()
    staff = Principal(kind="staff", display_name="Sam", staff_user_id=1)
    for query in (account.account_number, "maya okafor", "OKAF", "maya.o@mail", "(512) 555-0142"):
        assert [h.account_number for h in staff_accounts.find_accounts(db, principal=staff, query=query)] == [account.account_number], query
    assert staff_accounts.find_accounts(db, principal=staff, query="zzzz-nothing") == []
    with pytest.raises(NotFound):  # subscribers cannot use staff tools
        staff_accounts.find_accounts(db, principal=Principal(kind="subscriber", display_name="m", account_id=account.id), query="okafor")


def test_sign_up_costs_one_password_hash_whether_or_not_the_account_matches(db: Session, monkeypatch) -> None:
    """Matching and non-matching sign-ups both pay one Argon2 hash, so timing does not tell them apart."""
    account = make_account(db, last_name="Lovelace")
    db.commit()
    calls: list[str] = []
    real = portal_users.hash_password
    monkeypatch.setattr(portal_users, "hash_password", lambda password: calls.append(password) or real(password))
    with pytest.raises(SignUpRefused):
        portal_users.sign_up(db, form=_form(account_number="000000001", username="first"))
    assert len(calls) == 1
    db.rollback()
    portal_users.sign_up(db, form=_form(account_number=account.account_number, username="second"))
    assert len(calls) == 2


def test_username_and_email_count_against_the_same_user(db: Session) -> None:
    user = make_user(db, make_account(db), username="maya", email="maya@mail.example")
    db.commit()
    for n in range(ratelimit.SIGN_IN.limit):
        login = "maya" if n % 2 else "MAYA@mail.example"
        assert signin_flow.sign_in(db, login=login, password="wrong-password-x").error == auth.WRONG_CREDENTIALS
    db.commit()
    assert signin_flow.sign_in(db, login=user.email, password=PASSWORD).error.startswith("Too many attempts")


def test_current_password_checks_are_rate_limited(db: Session) -> None:
    from portal_app.services.identity import account_security

    subscriber = make_subscriber(db)
    db.commit()
    for _ in range(ratelimit.CURRENT_PASSWORD.limit):
        with pytest.raises(FieldErrors) as wrong:
            account_security.request_email_change(db, principal=subscriber.principal, password="guess-guess-guess",
                                                  new_email="new@mail.example")
        assert wrong.value.errors == {"email_password": "That is not your current password."}
        db.rollback()  # as the page's transaction does; the count was committed
    for attempt in (lambda: account_security.change_password(db, principal=subscriber.principal,
                                                             current_password=PASSWORD, new_password=NEW_PASSWORD),
                    lambda: two_factor.disable(db, principal=subscriber.principal, password=PASSWORD)):
        with pytest.raises(FieldErrors) as blocked:  # even the right password waits now
            attempt()
        assert "Too many" in next(iter(blocked.value.errors.values())) or "try again" in next(iter(blocked.value.errors.values())).lower()


def test_resend_requests_are_limited_alike_for_known_and_unknown(db: Session) -> None:
    pending = make_user(db, make_account(db), verified=False)
    db.commit()
    for login in (pending.username, "nobody-by-this-name"):
        answers = {portal_users.resend_verification(db, login=login, client_ip="198.51.100.30")
                   for _ in range(ratelimit.RESEND.limit)}
        db.commit()
        assert answers == {portal_users.RESEND_SENT}  # the same answer for a known and an unknown name
        with pytest.raises(ratelimit.RateLimited):
            portal_users.resend_verification(db, login=login, client_ip="198.51.100.30")


def test_wrong_two_factor_codes_are_limited_and_then_even_the_right_code_waits(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    enrolment = two_factor.start_enrolment(db, principal=subscriber.principal)
    totp = pyotp.TOTP(enrolment.secret)
    two_factor.confirm_enrolment(db, principal=subscriber.principal, code=totp.now())
    db.commit()
    step = signin_flow.sign_in(db, login=subscriber.user.username, password=PASSWORD).two_factor_token
    for _ in range(ratelimit.TWO_FACTOR.limit):
        assert signin_flow.complete_two_factor(db, two_factor_token=step, code="000000").error == signin_flow.WRONG_CODE
        db.commit()
    blocked = signin_flow.complete_two_factor(db, two_factor_token=step, code=totp.now())
    assert blocked.error.startswith("Too many attempts") and not blocked.ticket
