"""Access page handlers under pytest: two-factor step, resend offer, reset answer, security page, staff tools."""

from __future__ import annotations

import asyncio
import re
import warnings
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from factories import call, PASSWORD, make_account, make_subscriber, make_user, point_app_at, reset_app_engine
from reflex_base.utils.format import json_dumps
from sqlmodel import Session, select
from test_states import app_db, assigned_url, page_state, signed_in_cookie, spec_args, token_of  # noqa: F401

import portal_app.api
from portal_app.models import OutboxMail, PortalUser, StaffUser, UserSession
from portal_app.services.identity import auth, portal_users, staff_auth, two_factor
from portal_app.services.identity.secrets_util import hash_password
from portal_app.state.email_links import ForgotPasswordState
from portal_app.state.security import SecurityState
from portal_app.state.signin import SignInState
from portal_app.state.staff_accounts import StaffAccountState, StaffSearchState
from portal_app.state.staff_session import StaffSessionState

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

STAFF_PASSWORD = "staff-password-for-tests"


def run(handler, state, *args) -> list:
    """Every update an (async) generator handler yields, or the one value a plain handler returns."""

    async def collect():
        result = handler.fn(state, *args)
        if hasattr(result, "__aiter__"):
            return [u async for u in result]
        if asyncio.iscoroutine(result):
            return [await result]
        return [result]

    return [u for u in asyncio.run(collect()) if u is not None]


def _staff(db: Session) -> StaffUser:
    staff = StaffUser(username="agent", email="agent@isp.example", full_name="Sam Agent", password_hash=hash_password(STAFF_PASSWORD))
    db.add(staff)
    db.commit()
    return staff


def _staff_cookie(db: Session) -> str:
    _staff(db)
    ticket = staff_auth.sign_in_staff(db, username="agent", password=STAFF_PASSWORD)
    db.commit()
    token = staff_auth.redeem_staff_ticket(db, ticket=ticket).token
    db.commit()
    return f"{staff_auth.STAFF_COOKIE}={token}"


# --- sign-in: two-factor, resend -------------------------------------------------------------------


def test_two_factor_user_is_asked_for_a_code_before_any_ticket(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    secret = two_factor.start_enrolment(db, principal=subscriber.principal).secret
    two_factor.confirm_enrolment(db, principal=subscriber.principal, code=pyotp.TOTP(secret).now())
    db.commit()
    state = page_state(SignInState, "/signin?next=%2Fsecurity")
    SignInState.load.fn(state)
    assert run(SignInState.submit, state, {"login": subscriber.user.username, "password": PASSWORD}) == []
    assert state.two_factor is True and state.error == ""
    assert state._two_factor_token not in json_dumps(state.parent_state.dict())  # kept on the server
    run(SignInState.submit_code, state, {"code": "000000"})
    assert state.error.startswith("That code is not right") and state.two_factor is True
    [script] = run(SignInState.submit_code, state, {"code": pyotp.TOTP(secret).now()})
    target = urlsplit(assigned_url(script))
    assert target.path == "/auth/session/start" and parse_qs(target.query)["next"] == ["/security"]


def test_unverified_sign_in_offers_a_resend_that_answers_like_any_other(app_db: str, db: Session) -> None:
    user = make_user(db, make_account(db), username="fresh", email="fresh@mail.example", verified=False)
    db.commit()
    state = page_state(SignInState, "/signin")
    run(SignInState.submit, state, {"login": "fresh", "password": PASSWORD})
    assert state.error == auth.NOT_VERIFIED and state.not_verified is True
    run(SignInState.resend_verification, state)
    assert state.notice == portal_users.RESEND_SENT and state.not_verified is False
    assert len(list(db.exec(select(OutboxMail).where(OutboxMail.to_address == user.email)))) == 1


def test_sign_in_page_blocks_after_repeated_failures(app_db: str, db: Session) -> None:
    make_user(db, make_account(db), username="maya")
    db.commit()
    state = page_state(SignInState, "/signin")
    for _ in range(5):
        run(SignInState.submit, state, {"login": "maya", "password": "wrong-password!"})
        assert state.error == auth.WRONG_CREDENTIALS
    run(SignInState.submit, state, {"login": "maya", "password": PASSWORD})
    assert state.error.startswith("Too many attempts")


@pytest.mark.parametrize("email", ["known@mail.example", "unknown@mail.example"])
def test_forgot_password_answers_the_same_for_known_and_unknown(app_db: str, db: Session, email: str) -> None:
    make_user(db, make_account(db), email="known@mail.example")
    db.commit()
    state = page_state(ForgotPasswordState, "/forgot-password")
    run(ForgotPasswordState.submit, state, {"email": email})
    assert state.notice == portal_users.RESET_SENT and state.error == "" and state.email_error == ""


# --- security page ---------------------------------------------------------------------------------------


def test_change_password_needs_the_current_one_and_ends_other_sessions(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    other = signed_in_cookie(db, subscriber)
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(SecurityState, "/security", cookie=cookie)
    call(SecurityState.load, state)
    form = {"current_password": "not-it-at-all", "new_password": "fresh-river-stones-12", "confirm_password": "fresh-river-stones-12"}
    run(SecurityState.change_password, state, form)
    assert state.errors == {"current_password": "That is not your current password."}
    run(SecurityState.change_password, state, {**form, "current_password": PASSWORD})
    assert state.errors == {} and "changed" in state.notice
    db.expire_all()
    assert auth.resolve_session(db, token=token_of(cookie)).user_id == subscriber.user.id  # this device stays
    with pytest.raises(auth.SessionInvalid):
        auth.resolve_session(db, token=token_of(other))


def test_security_handlers_do_nothing_without_a_session(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    state = page_state(SecurityState, "/security")
    run(SecurityState.change_email, state, {"email_password": PASSWORD, "new_email": "evil@mail.example"})
    run(SecurityState.start_two_factor, state)
    assert state.qr_data_uri == "" and db.exec(select(OutboxMail)).first() is None
    db.refresh(subscriber.user)
    assert subscriber.user.totp_secret is None


# --- staff -------------------------------------------------------------------------------------------------


def test_staff_guard_sends_visitors_and_subscribers_to_staff_sign_in(app_db: str, db: Session) -> None:
    subscriber_cookie = signed_in_cookie(db, make_subscriber(db))
    for cookie in ("", subscriber_cookie, f"{staff_auth.STAFF_COOKIE}=forged"):
        state = page_state(StaffSessionState, "/staff/account?number=1", cookie=cookie)
        path = spec_args(asyncio.run(StaffSessionState.require_staff.fn(state)))["path"]
        assert path.startswith("/staff/signin?next=%2Fstaff%2Faccount")
        assert state.staff_signed_in is False


def test_a_staff_session_is_not_a_subscriber_session(app_db: str, db: Session) -> None:
    cookie = _staff_cookie(db)
    with pytest.raises(auth.SessionInvalid):
        auth.resolve_session(db, token=cookie.split("=", 1)[1])


def test_staff_find_an_account_and_add_a_portal_user(app_db: str, db: Session) -> None:
    account = make_account(db, first_name="Maya", last_name="Okafor")
    cookie = _staff_cookie(db)
    search = page_state(StaffSearchState, "/staff", cookie=cookie)
    call(StaffSearchState.search, search, {"q": "okaf"})
    assert [hit["account_number"] for hit in search.results] == [account.account_number]
    call(StaffSearchState.search, search, {"q": account.account_number})
    assert len(search.results) == 1

    state = page_state(StaffAccountState, f"/staff/account?number={account.account_number}", cookie=cookie)
    call(StaffAccountState.load, state)
    assert state.found and state.account_name == "Maya Okafor" and state.users == []
    call(StaffAccountState.add_user, state, {"email": "not-an-email", "username": ""})
    assert set(state.errors) == {"email", "username"}
    call(StaffAccountState.add_user, state, {"email": "Kid@Mail.Example", "username": "Kid"})
    assert state.errors == {} and [u["state"] for u in state.users] == ["Pending"]
    assert state.history[0]["summary"].startswith("Sam Agent added portal user 'kid'")
    [mail] = db.exec(select(OutboxMail)).all()
    assert mail.to_address == "kid@mail.example" and "/verify?token=" in mail.body_text
    call(StaffAccountState.change_user, state, state.users[0]["id"], "resend")
    assert state.notice == "Verification email sent again to kid@mail.example."
    call(StaffAccountState.filter_kind, state, "access")
    assert state.history and all(h["kind"] == "access" for h in state.history)


def test_staff_handlers_refuse_without_a_staff_session(app_db: str, db: Session) -> None:
    account = make_account(db)
    subscriber_cookie = signed_in_cookie(db, make_subscriber(db))
    state = page_state(StaffAccountState, f"/staff/account?number={account.account_number}", cookie=subscriber_cookie)
    state.found, state.account_number = True, account.account_number  # as a modified client might claim
    call(StaffAccountState.add_user, state, {"email": "x@mail.example", "username": "intruder"})
    call(StaffAccountState.load, state)
    assert db.exec(select(PortalUser).where(PortalUser.username == "intruder")).first() is None
    assert state.users == []


def test_resend_for_a_user_of_another_account_is_not_found(app_db: str, db: Session) -> None:
    mine, theirs = make_account(db), make_account(db)
    stranger = make_user(db, theirs, verified=False)
    cookie = _staff_cookie(db)
    state = page_state(StaffAccountState, f"/staff/account?number={mine.account_number}", cookie=cookie)
    call(StaffAccountState.load, state)
    call(StaffAccountState.change_user, state, stranger.id, "resend")
    assert state.notice == "That portal user could not be found."
    assert db.exec(select(OutboxMail)).first() is None


def test_staff_cookie_route_sets_its_own_httponly_cookie(database_url: str, db: Session, monkeypatch) -> None:
    _staff(db)
    subscriber = make_subscriber(db)
    staff_ticket = staff_auth.sign_in_staff(db, username="agent", password=STAFF_PASSWORD)
    subscriber_ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    point_app_at(monkeypatch, database_url)
    try:
        with TestClient(portal_app.api.build_api(), follow_redirects=False) as client:
            wrong = client.get("/auth/staff/session/start", params={"ticket": subscriber_ticket, "next": "/staff"})
            assert wrong.status_code == 303 and wrong.headers["location"].startswith("/staff/signin")
            response = client.get("/auth/staff/session/start", params={"ticket": staff_ticket, "next": "https://evil.example"})
            assert response.status_code == 303 and response.headers["location"] == "/staff"
            set_cookie = response.headers["set-cookie"]
            assert set_cookie.startswith(f"{staff_auth.STAFF_COOKIE}=") and "HttpOnly" in set_cookie
            token = re.match(rf"{staff_auth.STAFF_COOKIE}=([^;]+)", set_cookie).group(1)
            client.cookies.set(staff_auth.STAFF_COOKIE, token)
            out = client.post("/auth/staff/sign-out")
            assert out.headers["location"] == "/staff/signin?signed_out=1"
    finally:
        reset_app_engine()
    db.expire_all()
    assert all(row.revoked_at is not None for row in db.exec(select(UserSession).where(UserSession.staff_user_id.is_not(None))))


def test_a_dead_verification_link_offers_a_new_one(app_db: str, db: Session) -> None:
    from portal_app.state.email_links import VerifyState

    make_user(db, make_account(db), username="pending", email="pending@mail.example", verified=False)
    db.commit()
    state = page_state(VerifyState, "/verify?token=expired-or-made-up")
    run(VerifyState.load, state)
    assert state.valid is False and state.error == portal_users.LINK_INVALID
    for login in ("pending", "nobody"):
        run(VerifyState.resend, state, {"login": login})
        assert state.resend_notice == portal_users.RESEND_SENT
    assert len(list(db.exec(select(OutboxMail).where(OutboxMail.to_address == "pending@mail.example")))) == 1


def test_staff_sessions_expire_when_idle_and_end_at_sign_out(app_db: str, db: Session) -> None:
    from datetime import timedelta

    from portal_app.models import utcnow

    cookie = _staff_cookie(db)
    token = cookie.split("=", 1)[1]
    assert staff_auth.resolve_staff_session(db, token=token).kind == "staff"
    with pytest.raises(auth.SessionInvalid):
        staff_auth.resolve_staff_session(db, token=token, now=utcnow() + timedelta(hours=1))
    staff_auth.end_staff_session(db, token=token)
    db.commit()
    with pytest.raises(auth.SessionInvalid):
        staff_auth.resolve_staff_session(db, token=token)


def test_staff_sign_in_is_rate_limited_alike_for_known_and_unknown(app_db: str, db: Session) -> None:
    from portal_app.services.identity import ratelimit
    from portal_app.services.core.errors import SignInFailed

    _staff(db)
    for username in ("agent", "nobody"):
        for _ in range(ratelimit.STAFF_SIGN_IN.limit):
            with pytest.raises(SignInFailed):
                staff_auth.sign_in_staff(db, username=username, password="wrong-password")
            db.commit()
        with pytest.raises(ratelimit.RateLimited):
            staff_auth.sign_in_staff(db, username=username, password=STAFF_PASSWORD if username == "agent" else "x")


def test_sign_out_everywhere_ends_every_session_then_signs_this_browser_out(app_db: str, db: Session) -> None:
    from portal_app.state.session import SessionState

    subscriber = make_subscriber(db)
    other = signed_in_cookie(db, subscriber)
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(SecurityState, "/security", cookie=cookie)
    [follow_up] = run(SecurityState.sign_out_everywhere, state)
    assert getattr(follow_up, "fn", None) is SessionState.sign_out.fn  # then the revoking sign-out route
    db.expire_all()
    for token in (token_of(cookie), token_of(other)):
        with pytest.raises(auth.SessionInvalid):
            auth.resolve_session(db, token=token)


def test_change_email_from_the_security_page_then_confirm_from_the_link(app_db: str, db: Session) -> None:
    from portal_app.state.email_links import ConfirmEmailState

    subscriber = make_subscriber(db)
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(SecurityState, "/security", cookie=cookie)
    call(SecurityState.load, state)
    run(SecurityState.change_email, state, {"email_password": PASSWORD, "new_email": "not an email"})
    assert set(state.errors) == {"new_email"}
    run(SecurityState.change_email, state, {"email_password": PASSWORD, "new_email": "moved@mail.example"})
    assert state.errors == {} and "moved@mail.example" in state.notice
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == "moved@mail.example")).one()
    raw = re.search(r"token=([A-Za-z0-9_-]+)", mail.body_text).group(1)
    landing = page_state(ConfirmEmailState, f"/confirm-email?token={raw}")
    run(ConfirmEmailState.load, landing)
    assert landing.confirmed is True
    run(ConfirmEmailState.load, landing)  # the same link again
    assert landing.confirmed is False
    db.refresh(subscriber.user)
    assert subscriber.user.email == "moved@mail.example"


def test_staff_see_a_locked_user_and_unlock_it(app_db: str, db: Session) -> None:
    from portal_app.services.identity import ratelimit, signin_flow

    account = make_account(db)
    user = make_user(db, account, username="locked")
    db.commit()
    for _ in range(ratelimit.SIGN_IN.limit):
        signin_flow.sign_in(db, login="locked", password="wrong-password-x")
    db.commit()
    cookie = _staff_cookie(db)
    state = page_state(StaffAccountState, f"/staff/account?number={account.account_number}", cookie=cookie)
    call(StaffAccountState.load, state)
    assert [u["state"] for u in state.users] == ["Locked"]
    call(StaffAccountState.change_user, state, user.id, "unlock")
    assert [u["state"] for u in state.users] == ["Verified"] and state.notice == "locked can sign in again."
    assert signin_flow.sign_in(db, login="locked", password=PASSWORD).ticket


# --- secrets never sit in the tab's state ---------------------------------------------------------


def test_recovery_codes_reach_the_page_once_and_never_the_tab_state(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    state = page_state(SecurityState, "/security", cookie=signed_in_cookie(db, subscriber))
    call(SecurityState.load, state)
    run(SecurityState.start_two_factor, state)
    secret = state.manual_key.replace(" ", "")
    [script] = run(SecurityState.confirm_two_factor, state, {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r'"([a-z0-9-]{6,})"', spec_args(script)["javascript_code"])
    assert len(codes) == 10 and state.showing_recovery_codes is True
    snapshot = json_dumps(state._get_root_state().dict()) + repr(vars(state))
    assert not any(code in snapshot for code in codes)


def test_a_reset_link_token_is_kept_only_sealed_and_dropped_once_used(app_db: str, db: Session) -> None:
    from portal_app.state.email_links import ResetPasswordState

    subscriber = make_subscriber(db)
    portal_users.request_password_reset(db, email=subscriber.user.email, client_ip="")
    db.commit()
    mail = db.exec(select(OutboxMail).where(OutboxMail.to_address == subscriber.user.email)).all()[-1]
    raw = re.search(r"token=([A-Za-z0-9_-]+)", mail.body_text).group(1)
    state = page_state(ResetPasswordState, f"/reset-password?token={raw}")
    updates = run(ResetPasswordState.load, state)
    assert state.valid is True and raw not in state._token
    assert any("replaceState" in spec_args(u).get("javascript_code", "") for u in updates)  # out of the address bar
    run(ResetPasswordState.submit, state, {"password": "quiet-harbor-lantern-88", "confirm": "quiet-harbor-lantern-88"})
    assert state._token == ""
