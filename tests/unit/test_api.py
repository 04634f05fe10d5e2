"""HTTP routes beside the Reflex app: health check and the HttpOnly session cookie hand-off."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import make_subscriber, point_app_at, reset_app_engine
from sqlmodel import Session, select

import portal_app.api
from portal_app.config import get_settings
from portal_app.models import AccountHistory, AuthToken, UserSession, utcnow
from portal_app.services.identity import auth
from portal_app.services.identity.secrets_util import hash_token, new_token

with warnings.catch_warnings():
    # Starlette 1.x prefers the `httpx2` package; plain httpx (installed via Reflex) still works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Lets a test point the app's own engine somewhere; always restores it afterwards.

    Request it after `database_url`, so the app's connections close before the database is dropped.
    """
    yield monkeypatch
    reset_app_engine()


@pytest.fixture
def client(database_url: str, app_env: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(app_env, database_url)
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        yield test_client


def _set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def _ticket_for(db: Session) -> tuple[object, str]:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    return subscriber, ticket


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "unreachable",
    ["sqlite:///{tmp}/no-such-directory/portal.db", "postgresql://portal:portal@127.0.0.1:9/portal"],
    ids=["sqlite-missing-dir", "postgresql-closed-port"],
)
def test_healthz_503_when_the_database_is_unreachable(app_env, tmp_path, unreachable: str) -> None:
    point_app_at(app_env, unreachable.format(tmp=tmp_path))
    with TestClient(portal_app.api.build_api()) as test_client:
        response = test_client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


# --- /auth/session/start --------------------------------------------------------------------


def test_valid_ticket_sets_an_httponly_cookie_and_goes_to_next(client: TestClient, db: Session) -> None:
    subscriber, ticket = _ticket_for(db)
    response = client.get("/auth/session/start", params={"ticket": ticket, "next": "/invoices?page=2"})
    assert response.status_code == 303
    assert response.headers["location"] == "/invoices?page=2"
    assert response.headers["cache-control"] == "no-store"

    cookie = _set_cookie(response)[auth.SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == get_settings().session_absolute_hours * 3600
    assert not cookie["secure"]  # development runs over plain http
    # The cookie is a real session for this subscriber, and the ticket is not in it.
    assert cookie.value != ticket
    assert auth.resolve_session(db, token=cookie.value).account_id == subscriber.account.id


def test_secure_cookie_in_production(database_url: str, app_env, db: Session) -> None:
    point_app_at(app_env, database_url, PORTAL_ENV="production")
    _subscriber, ticket = _ticket_for(db)
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        response = test_client.get("/auth/session/start", params={"ticket": ticket})
    assert response.status_code == 303
    assert _set_cookie(response)[auth.SESSION_COOKIE]["secure"] is True


def test_missing_next_goes_home(client: TestClient, db: Session) -> None:
    _subscriber, ticket = _ticket_for(db)
    response = client.get("/auth/session/start", params={"ticket": ticket})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_next_to_another_site_goes_home_instead(client: TestClient, db: Session, subtests) -> None:
    for evil in ("https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        with subtests.test(next=evil):
            _subscriber, ticket = _ticket_for(db)
            response = client.get("/auth/session/start", params={"ticket": ticket, "next": evil})
            assert response.status_code == 303
            assert response.headers["location"] == "/"
            assert auth.SESSION_COOKIE in _set_cookie(response)


def test_bad_ticket_goes_back_to_sign_in_without_a_cookie(client: TestClient, db: Session, subtests) -> None:
    for ticket in ("", "not-a-ticket", None):
        with subtests.test(ticket=ticket):
            params = {"next": "/invoices"} | ({"ticket": ticket} if ticket is not None else {})
            response = client.get("/auth/session/start", params=params)
            assert response.status_code == 303
            location = urlsplit(response.headers["location"])
            assert location.path == "/signin"
            assert parse_qs(location.query) == {"reason": ["ticket"], "next": ["/invoices"]}
            assert "set-cookie" not in response.headers
    assert db.exec(select(UserSession)).first() is None


def test_ticket_works_only_once_over_http(client: TestClient, db: Session) -> None:
    _subscriber, ticket = _ticket_for(db)
    first = client.get("/auth/session/start", params={"ticket": ticket})
    assert first.headers["location"] == "/" and auth.SESSION_COOKIE in _set_cookie(first)
    client.cookies.clear()
    second = client.get("/auth/session/start", params={"ticket": ticket})
    assert second.headers["location"].startswith("/signin?reason=ticket")
    assert "set-cookie" not in second.headers
    assert len(db.exec(select(UserSession)).all()) == 1


def test_ticket_for_the_wrong_purpose_is_refused(client: TestClient, db: Session) -> None:
    """A token minted for something else (say, an email link) cannot be swapped for a session."""
    subscriber = make_subscriber(db)
    token = new_token()
    db.add(
        AuthToken(purpose="verify_email", token_hash=hash_token(token), user_id=subscriber.user.id,
                  expires_at=utcnow() + auth.TICKET_LIFETIME)
    )
    db.commit()
    response = client.get("/auth/session/start", params={"ticket": token})
    assert response.headers["location"].startswith("/signin?reason=ticket")
    assert "set-cookie" not in response.headers


# --- /auth/sign-out -------------------------------------------------------------------------


def test_sign_out_revokes_the_session_and_deletes_the_cookie(client: TestClient, db: Session) -> None:
    subscriber, ticket = _ticket_for(db)
    started = client.get("/auth/session/start", params={"ticket": ticket})
    token = _set_cookie(started)[auth.SESSION_COOKIE].value
    assert auth.resolve_session(db, token=token).user_id == subscriber.user.id
    db.commit()

    client.cookies.clear()
    response = client.post("/auth/sign-out", headers={"cookie": f"{auth.SESSION_COOKIE}={token}"})
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?signed_out=1"
    deleted = _set_cookie(response)[auth.SESSION_COOKIE]
    assert deleted.value == "" and deleted["max-age"] == "0" and deleted["path"] == "/"

    db.expire_all()
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "revoked"
    actions = db.exec(
        select(AccountHistory.action).where(AccountHistory.account_id == subscriber.account.id)
    ).all()
    assert sorted(actions) == ["signed_in", "signed_out"]


def test_sign_out_is_post_only_so_a_link_cannot_sign_anyone_out(client: TestClient) -> None:
    assert client.get("/auth/sign-out").status_code == 405


def test_sign_out_without_a_session_still_clears_the_cookie(client: TestClient) -> None:
    response = client.post("/auth/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?signed_out=1"
    assert _set_cookie(response)[auth.SESSION_COOKIE]["max-age"] == "0"


# --- /readyz --------------------------------------------------------------------------------


def test_readyz_ready_on_a_migrated_database_without_redis(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "ok", "redis": "not configured"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_503_names_a_database_behind_on_migrations(app_env, tmp_path) -> None:
    from portal_app.models.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003_money")
    point_app_at(app_env, url)
    with TestClient(portal_app.api.build_api()) as test_client:
        response = test_client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["database"] == "ok"
    assert body["migrations"].startswith("at 0003_money, head is ") and "python -m portal_app migrate" in body["migrations"]


def test_readyz_503_when_the_database_is_unreachable(app_env, tmp_path) -> None:
    point_app_at(app_env, f"sqlite:///{tmp_path}/no-such-directory/portal.db")
    with TestClient(portal_app.api.build_api()) as test_client:
        response = test_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_readyz_503_when_the_configured_redis_is_unreachable(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:9/0")  # the discard port: nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable" and response.json()["database"] == "ok"


def test_readyz_ready_with_a_reachable_redis(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import shutil
    import subprocess
    import time

    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: run scripts/test-services.sh")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        monkeypatch.setenv("REFLEX_REDIS_URL", f"redis://127.0.0.1:{port}/0")
        for _ in range(50):
            response = client.get("/readyz")
            if response.status_code == 200:
                break
            time.sleep(0.1)
        assert response.json() == {"status": "ready", "database": "ok", "migrations": "ok", "redis": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)
