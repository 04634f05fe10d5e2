"""Security headers on every response, the pre-session cookie, and sign-in tickets bound to it
(issue 10, items 3 and 7)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from factories import make_subscriber
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from test_api import app_env, client  # noqa: F401

from portal_app.api.http_security import HttpSecurity
from portal_app.config import get_settings
from portal_app.services.identity import auth

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient


def _wrapped() -> HttpSecurity:
    async def page(request):
        return HTMLResponse("<html><body>page</body></html>")

    async def data(request):
        return JSONResponse({"ok": True}, headers={"Referrer-Policy": "no-referrer"})

    return HttpSecurity(Starlette(routes=[Route("/page", page), Route("/data", data)]))


@pytest.fixture
def plain() -> Iterator[TestClient]:
    with TestClient(_wrapped()) as test_client:
        yield test_client


def test_pages_cannot_be_framed_and_carry_a_policy(plain: TestClient) -> None:
    headers = plain.get("/page").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "object-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers  # plain http in development
    assert plain.get("/data").headers["referrer-policy"] == "no-referrer"  # a route's own choice stays


def test_production_adds_hsts(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("PORTAL_ENV", "production")
    try:
        with TestClient(_wrapped()) as production:
            assert production.get("/page").headers["strict-transport-security"].startswith("max-age=31536000")
    finally:
        get_settings.cache_clear()


def test_a_page_load_sets_the_httponly_pre_session_cookie_once(plain: TestClient) -> None:
    first = plain.get("/page").headers["set-cookie"]
    assert first.startswith(f"{auth.PRESESSION_COOKIE}=") and "HttpOnly" in first and "SameSite=lax" in first.replace("Lax", "lax")
    assert "set-cookie" not in plain.get("/page").headers  # the browser keeps it
    assert "set-cookie" not in TestClient(_wrapped()).get("/data").headers  # only page loads set it


def test_a_ticket_signs_in_only_the_browser_that_asked_for_it(client: TestClient, db: Session) -> None:  # noqa: F811
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user, binding="victim-browser")
    db.commit()
    # An attacker lures another browser (with its own or no pre-session cookie) to the ticket link.
    client.cookies.set(auth.PRESESSION_COOKIE, "attacker-browser")
    lured = client.get("/auth/session/start", params={"ticket": ticket, "next": "/"}, follow_redirects=False)
    assert lured.status_code == 303 and lured.headers["location"].startswith("/signin?reason=ticket")
    assert auth.SESSION_COOKIE not in lured.headers.get("set-cookie", "")
    client.cookies.set(auth.PRESESSION_COOKIE, "victim-browser")
    own = client.get("/auth/session/start", params={"ticket": ticket, "next": "/"}, follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == "/"
    assert own.headers["set-cookie"].startswith(f"{auth.SESSION_COOKIE}=")


def test_another_site_cannot_sign_a_subscriber_out(client: TestClient, db: Session) -> None:  # noqa: F811
    from sqlmodel import select

    from portal_app.models import UserSession

    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    token = auth.redeem_session_ticket(db, ticket=ticket).token
    db.commit()
    client.cookies.set(auth.SESSION_COOKIE, token)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = client.post("/auth/sign-out", headers=headers)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    db.expire_all()
    assert db.exec(select(UserSession)).one().revoked_at is None
    own = client.post("/auth/sign-out", headers={"Origin": get_settings().public_origin, "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303 and own.headers["location"] == "/signin?signed_out=1"
    db.expire_all()
    assert db.exec(select(UserSession)).one().revoked_at is not None


def test_behind_trusted_proxies_the_cookie_route_records_the_visitor_not_the_proxy(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from reflex.config import get_config
    from sqlmodel import select

    from portal_app.models import UserSession

    subscriber = make_subscriber(db)
    first = auth.create_session_ticket(db, user=subscriber.user)
    second = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    spoofed = {"X-Forwarded-For": "198.51.100.7, 203.0.113.5"}
    client.get("/auth/session/start", params={"ticket": first}, headers=spoofed)  # no trusted proxy: ignored
    monkeypatch.setattr(get_config(), "trusted_proxy_hops", 1)
    client.get("/auth/session/start", params={"ticket": second}, headers=spoofed)  # one proxy: its client
    db.expire_all()
    addresses = [row.client_ip for row in db.exec(select(UserSession).order_by(UserSession.id))]
    assert addresses == ["testclient", "203.0.113.5"]


@pytest.mark.parametrize("path", [
    "/documents/invoices/{n}.pdf", "/documents/receipts/{n}.pdf", "/documents/contracts/{n}.pdf",
    "/ics/appointment/{n}.ics",
])
def test_ids_beyond_64_bits_are_not_found_not_a_server_error(client: TestClient, db: Session, path: str) -> None:  # noqa: F811
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    client.cookies.set(auth.SESSION_COOKIE, auth.redeem_session_ticket(db, ticket=ticket).token)
    db.commit()
    for n in (2**63, 2**64 + 5, 10**30, "0", "１２"):
        assert client.get(path.format(n=n)).status_code == 404, (path, n)


@pytest.mark.parametrize("typed", ["1e30", "1e3", "1E3", "NaN", "Infinity", "12.345", "-5", "0x10", "1_000"])
def test_amounts_in_exponent_or_odd_forms_get_a_field_message(typed: str) -> None:
    from portal_app.services.core.errors import FieldErrors
    from portal_app.services.billing.payments import parse_amount

    with pytest.raises(FieldErrors) as refused:
        parse_amount(typed)
    assert set(refused.value.errors) == {"amount"}


def test_plain_amounts_still_read_as_cents() -> None:
    from portal_app.services.billing.payments import parse_amount

    assert [parse_amount(t) for t in ("84.5", "$1,084.50", "1000", "0.01")] == [8450, 108450, 100000, 1]
