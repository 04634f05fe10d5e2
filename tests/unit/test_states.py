"""Reflex states under pytest, without a browser.

Reflex allows state instances in a pytest run; each test builds the root state with the router
data a browser's websocket would carry (headers including the Cookie header, path, query),
calls the real event handlers and checks what the page would show and what reached the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import types
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import reflex as rx
from factories import (
    PASSWORD,
    call,
    make_account,
    make_invoice,
    make_payment,
    make_subscriber,
    make_user,
    point_app_at,
    reset_app_engine,
)
from reflex import constants
from reflex.istate.data import RouterData
from reflex_base.utils.format import json_dumps
from sqlmodel import Session, select

from portal_app.models import UserSession
from portal_app.services.identity import auth
from portal_app.services.core.clock import provider_today
from portal_app.services.core.formatting import formatter
from portal_app.state.home import HomeState
from portal_app.state.session import SessionState
from portal_app.state.signin import NOTICES, SignInState
from portal_app.theming import current_theme


@pytest.fixture
def app_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the states' `session_scope()` at this test's database, with the demo theme."""
    point_app_at(monkeypatch, database_url, PORTAL_THEME="demo")
    current_theme.cache_clear()
    yield database_url
    reset_app_engine()
    current_theme.cache_clear()


BROWSER = "test-browser-presession"  # the pre-session cookie every page load of the portal sets


def page_state(cls: type[rx.State], url: str, *, cookie: str = "", presession: bool = True) -> rx.State:
    """The instance of `cls` inside a fresh root state, as if the browser had opened `url`."""
    parts = urlsplit(url)
    headers = {"origin": "http://localhost:3000", "user-agent": "pytest"}
    cookies = [c for c in (cookie, f"{auth.PRESESSION_COOKIE}={BROWSER}" if presession else "") if c]
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({
        constants.RouteVar.HEADERS: headers,
        constants.RouteVar.PATH: parts.path,
        constants.RouteVar.ORIGIN: url,
        constants.RouteVar.QUERY: {k: v[0] for k, v in parse_qs(parts.query).items()},
    })
    state = root
    for name in cls.get_full_name().split(".")[1:]:
        state = state.substates[name]
    assert isinstance(state, cls)
    return state


def load_home(part: rx.State) -> None:
    """Run Home's one on_load (HomeState.load) in the tree `part` belongs to: each Home card's state
    (billing, reminders, orders) is filled by it."""
    from portal_app.state.home import HomeState

    home = part._get_root_state().get_substate(HomeState.get_full_name().split(".")[1:])
    call(HomeState.load, home)


def spec_args(spec) -> dict:
    """The literal arguments of an EventSpec such as rx.redirect or rx.call_script."""
    return {str(name): value._var_value for name, value in spec.args}


def assigned_url(spec) -> str:
    script = spec_args(spec)["javascript_code"]
    match = re.fullmatch(r"window\.location\.assign\((.+)\)", script)
    assert match, script
    return json.loads(match.group(1).replace("'", '"'))


def run_submit(state: SignInState, form: dict) -> list:
    async def collect() -> list:
        return [update async for update in SignInState.submit.fn(state, form)]

    return asyncio.run(collect())


def signed_in_cookie(db: Session, subscriber) -> str:
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    token = auth.redeem_session_ticket(db, ticket=ticket).token
    db.commit()
    return f"theme=light; {auth.SESSION_COOKIE}={token}"


def token_of(cookie: str) -> str:
    return cookie.split(f"{auth.SESSION_COOKIE}=")[1]


# --- sign-in page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "notice", "next_path"),
    [
        ("", "", "/"),
        ("?next=%2Finvoices%3Fpage%3D2&reason=expired", NOTICES["expired"], "/invoices?page=2"),
        ("?signed_out=1", "You have signed out.", "/"),
        ("?reason=ticket&next=%2F", NOTICES["ticket"], "/"),
        ("?reason=whatever", "", "/"),
        ("?next=https%3A%2F%2Fevil.example", "", "/"),
        ("?next=%2F%2Fevil.example", "", "/"),
    ],
)
def test_sign_in_page_load_shows_the_right_notice(query: str, notice: str, next_path: str) -> None:
    state = page_state(SignInState, f"/signin{query}")
    state.error = "left over from before"
    SignInState.load.fn(state)
    assert state.notice == notice
    assert state.error == ""
    assert state._next_path() == next_path


@pytest.mark.parametrize("form", [{}, {"login": "  ", "password": "x"}, {"login": "maya", "password": ""}])
def test_empty_form_asks_for_both_fields(form: dict) -> None:
    state = page_state(SignInState, "/signin")
    assert run_submit(state, form) == []
    assert state.error == "Enter your username or email and your password."
    assert state.submitting is False


@pytest.mark.parametrize("login", ["maya", "nobody"])
def test_wrong_password_and_unknown_user_read_the_same(app_db: str, db: Session, login: str) -> None:
    make_user(db, make_account(db), username="maya")
    db.commit()
    state = page_state(SignInState, "/signin")
    SignInState.load.fn(state)
    updates = run_submit(state, {"login": login, "password": "wrong-password"})
    assert state.error == auth.WRONG_CREDENTIALS
    assert state.submitting is False
    assert not [u for u in updates if u is not None]  # no redirect was sent
    assert db.exec(select(UserSession)).first() is None


def test_correct_password_hands_the_browser_a_ticket_for_the_cookie(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    state = page_state(SignInState, "/signin?next=%2Finvoices")
    SignInState.load.fn(state)
    updates = run_submit(state, {"login": subscriber.user.username.upper(), "password": PASSWORD})
    assert state.error == ""
    scripts = [u for u in updates if u is not None]
    assert len(scripts) == 1
    target = urlsplit(assigned_url(scripts[0]))
    query = parse_qs(target.query)
    assert target.path == "/auth/session/start" and query["next"] == ["/invoices"]
    # The ticket works only in the browser that asked for it (no login CSRF) ...
    for other_browser in ("", "attacker-browser"):
        with pytest.raises(auth.SessionInvalid):
            auth.redeem_session_ticket(db, ticket=query["ticket"][0], binding=other_browser)
    # ... is one-time and swaps for a session of exactly this subscriber.
    new_session = auth.redeem_session_ticket(db, ticket=query["ticket"][0], binding=BROWSER)
    db.commit()
    assert auth.resolve_session(db, token=new_session.token).account_id == subscriber.account.id
    # No session token or password ends up in what the browser receives.
    assert new_session.token not in json_dumps(state.parent_state.dict())
    assert PASSWORD not in json_dumps(state.parent_state.dict())


def test_unverified_user_is_told_to_verify(app_db: str, db: Session) -> None:
    make_user(db, make_account(db), username="fresh", verified=False)
    db.commit()
    state = page_state(SignInState, "/signin")
    run_submit(state, {"login": "fresh", "password": PASSWORD})
    assert state.error == auth.NOT_VERIFIED


# --- session guard --------------------------------------------------------------------------


def test_guard_sends_visitors_without_a_session_to_sign_in(app_db: str) -> None:
    state = page_state(SessionState, "/invoices")
    spec = asyncio.run(SessionState.require_subscriber.fn(state))
    args = spec_args(spec)
    assert args["path"] == "/signin?" + urlencode({"next": "/invoices"})
    assert args["replace"] is True
    assert state.signed_in is False


def test_guard_says_expired_after_sign_out(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    cookie = signed_in_cookie(db, subscriber)
    auth.end_session(db, token=token_of(cookie))
    db.commit()
    state = page_state(SessionState, "/", cookie=cookie)
    args = spec_args(asyncio.run(SessionState.require_subscriber.fn(state)))
    assert parse_qs(urlsplit(args["path"]).query) == {"next": ["/"], "reason": ["expired"]}
    assert state.signed_in is False and state.display_name == ""


def test_guard_lets_a_signed_in_subscriber_through(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db, first_name="Maya", last_name="Okafor")
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(SessionState, "/", cookie=cookie)
    assert asyncio.run(SessionState.require_subscriber.fn(state)) is None
    assert state.signed_in is True and state.display_name == "Maya Okafor"
    # The cookie stays on the server: the state sent to the browser does not carry the token.
    assert token_of(cookie) not in json_dumps(state.parent_state.dict())


def test_a_forged_cookie_is_not_a_session(app_db: str, db: Session) -> None:
    make_subscriber(db)
    db.commit()
    state = page_state(SessionState, "/", cookie=f"{auth.SESSION_COOKIE}=made-up-value")
    assert spec_args(asyncio.run(SessionState.require_subscriber.fn(state)))["path"].startswith("/signin?")
    assert state.signed_in is False


def test_sign_out_button_goes_through_the_revoking_route() -> None:
    state = page_state(SessionState, "/")
    state.signed_in, state.display_name = True, "Maya Okafor"
    script = spec_args(asyncio.run(SessionState.sign_out.fn(state)))["javascript_code"]
    assert "form.method = 'post'" in script and "form.action = '/auth/sign-out'" in script
    assert state.signed_in is False and state.display_name == ""


# --- home page ------------------------------------------------------------------------------


def test_home_shows_the_balance_and_due_date(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db, first_name="Maya", last_name="Okafor", account_number="100200300")
    make_invoice(db, subscriber.account, 9_000, status="paid", due_on=dt.date(2001, 1, 21))
    make_payment(db, subscriber.account, 9_000)
    make_invoice(db, subscriber.account, 123_450, due_on=dt.date(2099, 1, 21))
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(HomeState, "/", cookie=cookie)
    call(HomeState.load, state)
    assert state.loaded is True
    assert (state.first_name, state.account_name, state.account_number) == ("Maya", "Maya Okafor", "100200300")
    assert state.balance_text == "$1,234.50"
    assert state.has_balance_due is True and state.has_pending is False
    assert state.due_text == "Jan 21, 2099" and state.past_due is False
    assert state.service_address == "12 Test Lane, Austin, TX 78701"


def test_home_shows_past_due(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    make_invoice(db, subscriber.account, 5_000, due_on=dt.date(2020, 5, 21))
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, subscriber))
    call(HomeState.load, state)
    assert state.past_due is True and state.due_text == "May 21, 2020" and state.balance_text == "$50.00"


def test_home_shows_a_credit_without_a_minus_sign(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    make_invoice(db, subscriber.account, 7_000, due_on=dt.date(2099, 1, 21))
    make_payment(db, subscriber.account, 10_000)
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, subscriber))
    call(HomeState.load, state)
    assert state.balance_text == "$30.00 credit"
    assert state.has_balance_due is False and state.due_text == ""


def test_home_counts_a_pending_bank_payment_as_not_left_to_pay(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    make_invoice(db, subscriber.account, 12_245, due_on=dt.date(2020, 5, 21))
    pending = make_payment(db, subscriber.account, 10_000, status="pending")
    pending.method_kind = "ach"
    db.add(pending)
    db.commit()
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, subscriber))
    call(HomeState.load, state)
    assert state.balance_text == "$122.45" and state.pending_text == "$100.00 payment pending (bank)"
    assert state.left_text == "$22.45" and state.has_balance_due is True and state.past_due is True
    make_payment(db, subscriber.account, 2_245, status="pending")
    db.commit()
    call(HomeState.load, state)
    assert state.has_balance_due is False and state.past_due is False  # nothing left once they settle


def test_home_cards_speak_the_readers_language(app_db: str, db: Session) -> None:
    """The sentences Home's state composes (pending payment, service status, promise) and their dates."""
    subscriber = make_subscriber(db)
    subscriber.user.language = "es_US"
    subscriber.account.service_status = "suspended_nonpayment"
    make_invoice(db, subscriber.account, 12_245, due_on=dt.date(2020, 5, 21))
    pending = make_payment(db, subscriber.account, 10_000, status="pending")
    pending.method_kind = "ach"
    db.add_all([subscriber.user, subscriber.account, pending])
    db.commit()
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, subscriber))
    call(HomeState.load, state)
    assert state.pending_text == "Pago pendiente de $100.00 (banco)"
    assert state.service_label == "Su servicio está suspendido por falta de pago"
    assert state.due_text == "21 may 2020" and state.balance_text == "$122.45"
    promised_on = provider_today() + dt.timedelta(days=3)
    call(HomeState.promise, state, {"promise_date": promised_on.isoformat()})
    assert state.promise_text == f"Prometió pagar $122.45 antes del {formatter('es_US').date(promised_on)}."


def test_home_greets_the_signed_in_person_not_the_account_holder(app_db: str, db: Session) -> None:
    from portal_app.models import Contact, ContactPoint

    subscriber = make_subscriber(db, kind="business", first_name="Rosa", company_name="Bakery LLC")
    walt = Contact(account_id=subscriber.account.id, first_name="Walt", last_name="Mercer")
    db.add(walt)
    db.flush()
    db.add(ContactPoint(contact_id=walt.id, account_id=subscriber.account.id, kind="email",
                        value=subscriber.user.email.upper(), label="Portal sign-up"))
    db.commit()
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, subscriber))
    call(HomeState.load, state)
    assert state.first_name == "Walt" and state.account_name == "Bakery LLC"


def test_home_shows_only_the_signed_in_account(app_db: str, db: Session) -> None:
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    them = make_subscriber(db, first_name="Other", last_name="Person")
    make_invoice(db, them.account, 99_999, due_on=dt.date(2099, 1, 21))
    state = page_state(HomeState, "/", cookie=signed_in_cookie(db, me))
    call(HomeState.load, state)
    assert state.account_number == me.account.account_number
    assert state.balance_text == "$0.00" and state.has_balance_due is False
    sent = json_dumps(state.parent_state.parent_state.dict())
    assert them.account.account_number not in sent and "Other Person" not in sent


def test_home_load_without_a_session_shows_nothing(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    cookie = signed_in_cookie(db, subscriber)
    auth.end_session(db, token=token_of(cookie))
    db.commit()
    state = page_state(HomeState, "/", cookie=cookie)
    call(HomeState.load, state)
    assert state.loaded is False and state.account_number == "" and state.balance_text == ""


# --- nothing of an account stays in the tab -------------------------------------------------


def _loaded_home(db: Session) -> tuple[HomeState, str]:
    subscriber = make_subscriber(db, first_name="Maya", last_name="Okafor", account_number="100200300")
    cookie = signed_in_cookie(db, subscriber)
    state = page_state(HomeState, "/", cookie=cookie)
    call(HomeState.load, state)
    assert state.account_number == "100200300"
    return state, cookie


def test_sign_out_resets_every_substate_of_the_tab(app_db: str, db: Session) -> None:
    from portal_app.state.security import SecurityState

    home, _ = _loaded_home(db)
    root = home._get_root_state()
    security = root.get_substate(SecurityState.get_full_name().split("."))
    security.username, security.email = "maya", "maya@example.test"
    asyncio.run(SessionState.sign_out.fn(home))
    snapshot = json_dumps(root.dict())
    assert "100200300" not in snapshot and "maya@example.test" not in snapshot
    assert home.loaded is False and security.username == ""


def test_guard_without_a_session_clears_what_an_earlier_sign_in_loaded(app_db: str, db: Session) -> None:
    home, cookie = _loaded_home(db)
    auth.end_session(db, token=token_of(cookie))
    db.commit()
    asyncio.run(SessionState.require_subscriber.fn(home))
    assert "100200300" not in json_dumps(home._get_root_state().dict())


def _middleware_event(root: rx.State, cookie: str, name: str = "reflex___state____state.hydrate_and_load"):
    """Run the tab guard as Reflex does before a handler, for an event sent with `cookie`."""
    from reflex_base.event import Event
    from reflex_base.event.context import EventContext

    from portal_app.state.tab_guard import TabGuard

    headers = {"origin": "http://localhost:3000", "cookie": cookie} if cookie else {"origin": "http://localhost:3000"}
    router_data = {constants.RouteVar.HEADERS: headers, constants.RouteVar.PATH: "/"}

    async def go():
        ctx = EventContext(token="tab-token", state_manager=None, enqueue_impl=None, emit_delta_impl=None,
                           emit_event_impl=None, router_data=router_data)
        reset = EventContext.set(ctx)
        try:
            root.router_data = dict(router_data)
            root.rx_router_headers = RouterData.from_router_data(router_data).headers
            return await TabGuard().preprocess(None, root, Event(name=name, payload={}))
        finally:
            EventContext.reset(reset)

    return asyncio.run(go())


def test_a_connection_without_the_session_cookie_gets_an_empty_tab(app_db: str, db: Session) -> None:
    home, cookie = _loaded_home(db)
    root = home._get_root_state()
    _middleware_event(root, cookie, name="portal_app___state___home____home_state.load")
    assert home.account_number == "100200300"  # the same sign-in keeps its data
    _middleware_event(root, "")  # the old tab token, no cookie: a reconnect
    assert "100200300" not in json_dumps(root.dict())


def test_a_revoked_session_is_served_nothing_on_reconnect(app_db: str, db: Session) -> None:
    home, cookie = _loaded_home(db)
    root = home._get_root_state()
    _middleware_event(root, cookie, name="portal_app___state___home____home_state.load")
    auth.end_session(db, token=token_of(cookie))
    db.commit()
    _middleware_event(root, cookie)
    assert "100200300" not in json_dumps(root.dict())


def test_the_session_cookie_is_not_kept_in_the_stored_router_data(app_db: str, db: Session) -> None:
    home, cookie = _loaded_home(db)
    root = home._get_root_state()
    _middleware_event(root, cookie, name="portal_app___state___home____home_state.load")
    assert token_of(cookie) not in repr(root.router_data) and token_of(cookie) not in repr(root.rx_router_headers)


def test_sign_in_needs_the_pre_session_cookie_its_ticket_is_bound_to(app_db: str, db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    state = page_state(SignInState, "/signin", presession=False)
    assert run_submit(state, {"login": subscriber.user.username, "password": PASSWORD}) == []
    assert state.error == auth.NO_PRESESSION


def _connection(sid: str, cookie: str, user_agent: str = "phone"):
    """What Reflex's event namespace builds for a websocket opened with `cookie` (with the portal's
    connection.install in place), and the namespace, to disconnect it."""
    from reflex.app import EventNamespace

    from portal_app.state import connection

    connection.install()
    namespace = EventNamespace.__new__(EventNamespace)
    namespace._client_error_counts, namespace._static_router_data = {}, {}
    namespace._token_manager = types.SimpleNamespace(sid_to_token={})
    scope = {"headers": [(b"cookie", cookie.encode()), (b"user-agent", user_agent.encode())], "client": ("10.0.0.9", 1)}
    return namespace, namespace._build_static_router_data(sid, {"asgi.scope": scope})


def test_a_connections_cookies_stay_beside_its_router_data_and_go_with_it() -> None:
    from reflex_base.event.context import EventContext

    from portal_app.state import connection
    from portal_app.state.tab_guard import event_cookie

    namespace, static = _connection("sid-1", f"{auth.SESSION_COOKIE}=secret-session; other=1")
    assert "cookie" not in static[constants.RouteVar.HEADERS] and "secret-session" not in repr(static)
    assert static[constants.RouteVar.HEADERS]["user-agent"] == "phone"
    state = page_state(SessionState, "/invoices")
    reset = EventContext.set(EventContext(token="tab-token", state_manager=None, enqueue_impl=None,
                                          router_data={**static, constants.RouteVar.PATH: "/invoices"}))
    try:
        assert event_cookie(state, auth.SESSION_COOKIE) == "secret-session"
        assert event_cookie(state, "other") == "1"
        assert connection.of_socket("sid-1").fingerprint  # a sign-in: its keyed hash, not the cookie
    finally:
        EventContext.reset(reset)
    namespace.on_disconnect("sid-1")
    assert connection.of_socket("sid-1") is None


def test_the_router_headers_go_to_the_browser_once_not_with_every_answer() -> None:
    """The connection's headers are the same for every event (no cookie in them to scrub), so Reflex does
    not rebuild and re-send them with each answer; a new connection with other headers still sends them."""
    from portal_app.state.tab_guard import _drop_secrets_from_store

    root = rx.State(_reflex_internal_init=True)

    def event(static: dict) -> set[str]:
        router_data = {**static, constants.RouteVar.PATH: "/invoices"}
        root.dirty_vars.clear()
        merged = root._update_router_vars(router_data, root.router_data)
        if merged != root.router_data:
            root.router_data = merged
        _drop_secrets_from_store(root)
        assert root.rx_router_headers.cookie == "" and "cookie" not in root.router_data[constants.RouteVar.HEADERS]
        return set(root.dirty_vars)

    _namespace, phone = _connection("sid-2", f"{auth.SESSION_COOKIE}=secret")
    assert "rx_router_headers" in event(phone)  # the first answer carries them
    assert "rx_router_headers" not in event(phone)  # later ones do not
    _namespace, other = _connection("sid-3", f"{auth.SESSION_COOKIE}=secret", user_agent="another browser")
    assert "rx_router_headers" in event(other)  # a real change still goes out


def test_a_link_token_inside_next_stays_out_of_the_stored_state_but_signs_in_back_to_it() -> None:
    """An invitation's sign-in (/signin?next=/invitation?token=…): the stored router data, which Reflex
    persists with the tab, keeps the page to return to without the token; the sign-in reads `next` from
    the event, so the subscriber still lands on the link."""
    from reflex_base.event.context import EventContext

    from portal_app.state.tab_guard import _drop_secrets_from_store

    url = "/signin?next=%2Finvitation%3Ftoken%3Dsecret-invite%26x%3D1&reason=ticket"
    state = page_state(SignInState, url)
    root = state._get_root_state()
    with_token = {constants.RouteVar.HEADERS: {"origin": "http://localhost:3000"}, constants.RouteVar.PATH: "/signin",
                  constants.RouteVar.ORIGIN: url,
                  constants.RouteVar.QUERY: {"next": "/invitation?token=secret-invite&x=1", "reason": "ticket"}}
    root.router_data = dict(with_token)
    _drop_secrets_from_store(root)
    stored = repr(root.router_data) + repr(root.rx_router_url) + repr(root.rx_router_page)
    assert "secret-invite" not in stored and "invitation" in stored and "reason" in stored
    assert root.router_data[constants.RouteVar.QUERY]["next"] == "/invitation?x=1"
    reset = EventContext.set(EventContext(token="tab-token", state_manager=None, enqueue_impl=None,
                                          router_data=with_token))
    try:
        assert state._next_path() == "/invitation?token=secret-invite&x=1"
    finally:
        EventContext.reset(reset)
