"""Staff sign-in with the provider's identity provider, against a real OpenID Connect provider on
127.0.0.1 (tests/oidc_provider.py): the routes, the ID token checks, the staff it lets in, and the
message the staff sign-in page shows for every refusal."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from factories import call, point_app_at
from oidc_provider import OidcProvider
from sqlmodel import Session, select
from test_api import app_env  # noqa: F401  (a fixture: restores the app's engine and settings)
from test_states import app_db, page_state  # noqa: F401  (app_db is a fixture)

import portal_app.api
from portal_app.config import Settings
from portal_app.integrations import oidc
from portal_app.models import AuthToken, StaffAuditEntry, StaffUser
from portal_app.services.identity import auth, staff_auth, staff_oidc
from portal_app.services.staff import staff_users
from portal_app.state.staff_signin import StaffSignInState

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

DOMAIN = "provider.example"
BROWSER = "browser-presession-1"
PASSWORD = "a-long-staff-passphrase-7"


@pytest.fixture(scope="module")
def idp() -> Iterator[OidcProvider]:
    provider = OidcProvider().start()
    yield provider
    provider.stop()


def _oidc_env(idp: OidcProvider, **overrides: str) -> dict[str, str]:
    return {"PORTAL_STAFF_OIDC_ISSUER": idp.issuer, "PORTAL_STAFF_OIDC_CLIENT_ID": idp.client_id,
            "PORTAL_STAFF_OIDC_CLIENT_SECRET": idp.client_secret, "PORTAL_STAFF_OIDC_ALLOWED_DOMAIN": DOMAIN,
            "PORTAL_STAFF_OIDC_LABEL": "Test IdP", **overrides}


@pytest.fixture
def client(database_url: str, app_env: pytest.MonkeyPatch, idp: OidcProvider) -> Iterator[TestClient]:  # noqa: F811
    idp.reset()
    oidc.forget_cached()
    point_app_at(app_env, database_url, **_oidc_env(idp))
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        test_client.cookies.set(auth.PRESESSION_COOKIE, BROWSER)
        yield test_client
    oidc.forget_cached()


def _staff(db: Session, email: str = f"jo@{DOMAIN}", *, disabled: bool = False) -> StaffUser:
    """An invited staff member (no portal password yet: the identity provider is how they sign in)."""
    staff = StaffUser(username=email, email=email, full_name="Jo Staff", password_hash="", role="agent",
                      disabled=disabled)
    db.add(staff)
    db.commit()
    return staff


def _to_idp(client: TestClient, next_path: str = "/staff/jobs") -> str:
    start = client.get("/auth/staff/oidc/start?" + urlencode({"next": next_path}))
    assert start.status_code == 303, start.text
    return start.headers["location"]


def _back_from_idp(authorize_url: str) -> str:
    """What the browser does at the identity provider: follow it until it sends us back."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/auth/staff/oidc/callback"
    return f"{back.path}?{back.query}"


def _sign_in(client: TestClient, next_path: str = "/staff/jobs"):
    return client.get(_back_from_idp(_to_idp(client, next_path)))


def _refused_with(response) -> str:
    assert response.status_code == 303, response.text
    landing = urlsplit(response.headers["location"])
    assert landing.path == "/staff/signin" and "set-cookie" not in response.headers
    return parse_qs(landing.query)["reason"][0]


def _staff_cookie(response) -> str:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    morsel = jar[staff_auth.STAFF_COOKIE]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax"
    return morsel.value


# --- success ---------------------------------------------------------------------------------------


def test_an_invited_staff_member_signs_in_with_the_identity_provider(client: TestClient, idp: OidcProvider,
                                                                     db: Session) -> None:
    staff = _staff(db)
    authorize = urlsplit(_to_idp(client, "/staff/jobs"))
    query = parse_qs(authorize.query)
    # Authorization-code flow with PKCE (S256), state and nonce, at the endpoint discovery named.
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{idp.issuer}/authorize"
    assert (query["response_type"], query["code_challenge_method"], query["client_id"]) == (["code"], ["S256"],
                                                                                          [idp.client_id])
    assert query["redirect_uri"] == ["http://localhost:3000/auth/staff/oidc/callback"]
    assert len(query["state"][0]) >= 43 and len(query["nonce"][0]) >= 43 and "openid" in query["scope"][0]
    response = client.get(_back_from_idp(authorize.geturl()))

    assert response.status_code == 303 and response.headers["location"] == "/staff/jobs"
    principal = staff_auth.resolve_staff_session(db, token=_staff_cookie(response))
    assert principal.staff_user_id == staff.id and principal.staff_role == "agent"
    [token_request] = [s for s in idp.seen if s.path == "/token"]
    assert token_request.params["code_verifier"] and token_request.headers.get("Authorization", "").startswith("Basic ")
    # The same hand-off as the password sign-in: a staff ticket, used once.
    assert db.exec(select(AuthToken).where(AuthToken.purpose == "staff_ticket",
                                           AuthToken.staff_user_id == staff.id)).one().used_at is not None
    [entry] = db.exec(select(StaffAuditEntry).where(StaffAuditEntry.action == "staff.sign_in_oidc")).all()
    assert (entry.staff_user_id, entry.target, entry.client_ip) == (staff.id, staff.username, "testclient")
    assert "Test IdP" in entry.detail and staff.email in entry.detail


def test_two_factor_staff_are_not_asked_for_the_portal_code_and_next_stays_in_the_staff_area(
        client: TestClient, idp: OidcProvider, db: Session) -> None:
    staff = staff_users.create_admin(db, username="jodie", email=f"jo@{DOMAIN}", full_name="Jo Staff",
                                     password=PASSWORD)
    staff.email = f"Jo@{DOMAIN.upper()}"  # as an older row might hold it
    staff.totp_secret, staff.totp_enabled_at = "JBSWY3DPEHPK3PXP", staff.created_at
    db.commit()
    idp.reset(email=f"JO@{DOMAIN}")  # addresses compare without case
    for asked, lands in (("https://evil.example/staff", "/staff"), ("/invoices", "/staff"),
                         ("/staff/settings", "/staff/settings")):
        response = _sign_in(client, asked)
        assert response.status_code == 303 and response.headers["location"] == lands
        assert staff_auth.resolve_staff_session(db, token=_staff_cookie(response)).staff_user_id == staff.id


# --- who the identity provider's answer names --------------------------------------------------------


@pytest.mark.parametrize(("user", "reason"), [
    ({"email": "jo@elsewhere.example"}, "oidc_domain"),
    ({"email": f"jo@sub.{DOMAIN}"}, "oidc_domain"),
    ({"email_verified": False}, "oidc_unverified"),
    ({"email_verified": None}, "oidc_unverified"),
    ({"email": f"nobody@{DOMAIN}"}, "oidc_unknown"),
], ids=["other-domain", "subdomain", "unverified", "no-email-verified-claim", "unknown-staff"])
def test_the_answer_must_name_a_verified_address_of_an_invited_staff_member(
        client: TestClient, idp: OidcProvider, db: Session, user: dict, reason: str) -> None:
    _staff(db)
    idp.reset(**{k: v for k, v in user.items() if v is not None})
    if user.get("email_verified", True) is None:
        idp.claims_override = {"email_verified": None}
    assert _refused_with(_sign_in(client)) == reason
    assert db.exec(select(StaffAuditEntry).where(StaffAuditEntry.action == "staff.sign_in_oidc")).first() is None


def test_a_disabled_staff_member_is_refused_and_nobody_is_created(client: TestClient, idp: OidcProvider,
                                                                  db: Session) -> None:
    _staff(db, disabled=True)
    assert _refused_with(_sign_in(client)) == "oidc_unknown"
    assert len(db.exec(select(StaffUser)).all()) == 1


# --- state, nonce and the ID token ----------------------------------------------------------------------


def test_a_state_works_once_in_the_browser_that_started_it(client: TestClient, idp: OidcProvider,
                                                          db: Session) -> None:
    _staff(db)
    callback = _back_from_idp(_to_idp(client))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert _refused_with(client.get("/auth/staff/oidc/callback?" + urlencode({"code": code, "state": "made-up"}))) \
        == "oidc_state"
    client.cookies.set(auth.PRESESSION_COOKIE, "another-browser")
    assert _refused_with(client.get(callback)) == "oidc_state"  # lured into another browser: no sign-in
    client.cookies.set(auth.PRESESSION_COOKIE, BROWSER)
    assert client.get(callback).status_code == 303  # the browser that started it
    assert _refused_with(client.get(callback)) == "oidc_state"  # replayed: the state is used up


def test_an_old_sign_ins_nonce_is_refused(client: TestClient, idp: OidcProvider, db: Session) -> None:
    _staff(db)
    first = urlsplit(_to_idp(client))
    old_nonce = parse_qs(first.query)["nonce"][0]
    idp.claims_override = {"nonce": old_nonce}  # a token minted for the first sign-in, replayed into the second
    assert _refused_with(_sign_in(client)) == "oidc_token"
    idp.claims_override = {"nonce": None}
    assert _refused_with(_sign_in(client)) == "oidc_token"


@pytest.mark.parametrize("breakage", ["tampered", "other-key", "audience", "expired", "issuer", "future-iat",
                                      "several-audiences"])
def test_an_id_token_that_fails_verification_signs_nobody_in(client: TestClient, idp: OidcProvider, db: Session,
                                                             breakage: str) -> None:
    _staff(db)
    idp.tamper_signature = breakage == "tampered"
    idp.sign_with_other_key = breakage == "other-key"
    idp.claims_override = {
        "audience": {"aud": "another-client"},
        "expired": {"exp": 1_000_000_000, "iat": 999_999_000},
        "issuer": {"iss": "http://127.0.0.1:9/"},
        "future-iat": {"iat": 4_000_000_000, "exp": 4_000_000_300},
        "several-audiences": {"aud": [idp.client_id, "another-client"], "azp": "another-client"},
    }.get(breakage, {})
    assert _refused_with(_sign_in(client)) == "oidc_token"
    assert db.exec(select(AuthToken).where(AuthToken.purpose == "staff_ticket")).first() is None


def test_a_code_the_provider_refuses_and_a_cancelled_sign_in(client: TestClient, idp: OidcProvider,
                                                             db: Session) -> None:
    _staff(db)
    idp.deny = True
    assert _refused_with(_sign_in(client)) == "oidc_denied"
    idp.deny = False
    start = client.get("/auth/staff/oidc/start")  # then the provider no longer knows our client secret
    assert start.status_code == 303
    idp.client_secret, real = "rotated-at-the-provider", idp.client_secret
    try:
        assert _refused_with(client.get(_back_from_idp(start.headers["location"]))) == "oidc_denied"
    finally:
        idp.client_secret = real


# --- the identity provider unreachable, switched off, or half configured ---------------------------------


def test_an_unreachable_identity_provider_gets_a_message_not_an_error(
        database_url: str, app_env: pytest.MonkeyPatch, idp: OidcProvider) -> None:  # noqa: F811
    oidc.forget_cached()
    point_app_at(app_env, database_url, **_oidc_env(idp, PORTAL_STAFF_OIDC_ISSUER="http://127.0.0.1:9"))
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as client:
        client.cookies.set(auth.PRESESSION_COOKIE, BROWSER)
        assert _refused_with(client.get("/auth/staff/oidc/start")) == "oidc_unreachable"


def test_the_provider_going_down_between_start_and_callback(client: TestClient, idp: OidcProvider,
                                                            db: Session) -> None:
    _staff(db)
    callback = _back_from_idp(_to_idp(client))
    oidc.forget_cached()
    idp.stop()
    try:
        assert _refused_with(client.get(callback)) == "oidc_unreachable"
    finally:
        idp.start()  # a new port: later tests read the issuer again


def test_without_configuration_the_routes_refuse_and_the_page_has_no_button(
        app_db: str, database_url: str, app_env: pytest.MonkeyPatch) -> None:  # noqa: F811
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as client:
        client.cookies.set(auth.PRESESSION_COOKIE, BROWSER)
        assert _refused_with(client.get("/auth/staff/oidc/start")) == "oidc_off"
        assert _refused_with(client.get("/auth/staff/oidc/callback?code=x&state=y")) == "oidc_off"
    page = page_state(StaffSignInState, "/staff/signin")
    call(StaffSignInState.load, page)
    assert (page.oidc_button, page.oidc_href) == ("", "")


def test_half_a_configuration_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_STAFF_OIDC_ISSUER", "https://login.provider.example")
    monkeypatch.setenv("PORTAL_STAFF_OIDC_CLIENT_ID", "portal")
    with pytest.raises(ValueError, match="PORTAL_STAFF_OIDC_CLIENT_SECRET, PORTAL_STAFF_OIDC_ALLOWED_DOMAIN"):
        Settings()


# --- the staff sign-in page ------------------------------------------------------------------------------------


def test_the_page_shows_the_button_and_a_clear_message_for_every_refusal(
        app_db: str, app_env: pytest.MonkeyPatch, idp: OidcProvider) -> None:  # noqa: F811
    point_app_at(app_env, app_db, **_oidc_env(idp))
    page = page_state(StaffSignInState, "/staff/signin?next=/staff/users")
    call(StaffSignInState.load, page)
    assert page.oidc_button == "SIGN IN WITH TEST IDP" and page.error == ""
    assert page.oidc_href == "/auth/staff/oidc/start?next=%2Fstaff%2Fusers" and page.oidc_domain == DOMAIN
    seen = set()
    for reason in staff_oidc.MESSAGES:
        page = page_state(StaffSignInState, f"/staff/signin?reason=oidc_{reason}")
        call(StaffSignInState.load, page)
        assert page.error == staff_oidc.message(reason, label="Test IdP", domain=DOMAIN) and "{" not in page.error
        seen.add(page.error)
    assert len(seen) == len(staff_oidc.MESSAGES)  # each says its own thing
    assert "@provider.example" in staff_oidc.message("domain", label="Test IdP", domain=DOMAIN)
