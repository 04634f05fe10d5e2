"""The integration API over HTTP: hashed scoped keys, validation, upserts through the importer,
reads since a cursor, rate limits, OpenAPI; and the import upload route."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import point_app_at, reset_app_engine
from sqlmodel import Session, select

import portal_app.api
from portal_app.models import Account, ApiKey, Invoice
from portal_app.services.identity import staff_auth
from portal_app.services.operations import api_keys
from portal_app.services.staff import staff_users

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

PASSWORD = "a-long-staff-passphrase-7"
INVOICE = {"account_id": "710000001", "invoice_number": "API-1", "issued_on": "2026-11-01", "due_on": "2026-11-21",
           "period_start": "2026-11-01", "period_end": "2026-11-30", "total": "60.00",
           "lines": [{"description": "Fiber 300", "amount": "55.00"}, {"description": "Router", "amount": "5.00"}]}
ACCOUNT = {"account_id": "710000001", "first_name": "Ida", "last_name": "Novak", "service_zip": "78701"}


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url)
    try:
        with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
            yield test_client
    finally:
        reset_app_engine()


def _admin(db: Session):
    staff = staff_users.create_admin(db, username="boss", email="boss@example.com", full_name="Pat Boss",
                                     password=PASSWORD)
    db.commit()
    return staff_auth.staff_principal(staff)


def _keys(db: Session) -> tuple[str, str]:
    admin = _admin(db)
    write = api_keys.create_key(db, principal=admin, name="Billing system", scope="write").token
    read = api_keys.create_key(db, principal=admin, name="Reports", scope="read").token
    db.commit()
    return write, read


def test_keys_are_hashed_scoped_and_revocable(client: TestClient, db: Session) -> None:
    write, read = _keys(db)
    assert write not in {k.key_hash for k in db.exec(select(ApiKey))}
    body = {"accounts": [ACCOUNT], "invoices": [INVOICE]}
    assert client.post("/api/v1/upsert", json=body).status_code == 401
    assert client.post("/api/v1/upsert", json=body, headers={"Authorization": "Bearer pk_nope"}).status_code == 401
    assert client.post("/api/v1/upsert", json=body, headers={"Authorization": f"Bearer {read}"}).status_code == 403
    done = client.post("/api/v1/upsert", json=body, headers={"Authorization": f"Bearer {write}"})
    assert done.status_code == 200, done.text
    assert [(r["kind"], r["outcome"]) for r in done.json()["rows"]] == [
        ("account", "create"), ("invoice", "create"), ("invoice_line", "create"), ("invoice_line", "create")]
    again = client.post("/api/v1/upsert", json=body, headers={"Authorization": f"Bearer {write}"})
    assert {r["outcome"] for r in again.json()["rows"]} == {"unchanged"}
    db.expire_all()
    invoice = db.exec(select(Invoice).where(Invoice.number == "API-1")).one()
    assert invoice.total_cents == 6_000
    admin = staff_auth.staff_principal(db.exec(select(staff_users.StaffUser)).first())
    api_keys.revoke_key(db, principal=admin, key_id=db.exec(select(ApiKey).where(ApiKey.scope == "write")).one().id)
    db.commit()
    assert client.post("/api/v1/upsert", json=body, headers={"Authorization": f"Bearer {write}"}).status_code == 401


def test_bad_input_is_a_clear_422_and_writes_nothing(client: TestClient, db: Session) -> None:
    write, _ = _keys(db)
    auth = {"Authorization": f"Bearer {write}"}
    wrong = client.post("/api/v1/upsert", json={"accounts": [{**ACCOUNT, "kind": "martian"}]}, headers=auth)
    assert wrong.status_code == 422 and wrong.json()["details"][0]["loc"] == ["accounts", 0, "kind"]
    extra = client.post("/api/v1/upsert", json={"accounts": [{**ACCOUNT, "colour": "red"}]}, headers=auth)
    assert extra.status_code == 422
    sums = client.post("/api/v1/upsert", json={"accounts": [ACCOUNT], "invoices": [{**INVOICE, "total": "61.00"}]},
                       headers=auth)
    assert sums.status_code == 422
    assert "add up to 60.00, not the total 61.00" in sums.json()["rows"][0]["reason"]
    db.expire_all()
    assert db.exec(select(Account).where(Account.account_number == "710000001")).first() is None


def test_reads_since_a_cursor_and_the_openapi_description(client: TestClient, db: Session) -> None:
    write, read = _keys(db)
    client.post("/api/v1/upsert", headers={"Authorization": f"Bearer {write}"}, json={
        "accounts": [ACCOUNT], "invoices": [INVOICE],
        "payments": [{"account_id": "710000001", "payment_id": "PAY-1", "paid_on": "2026-11-05", "amount": "60.00",
                      "invoice_number": "API-1"}]})
    auth = {"Authorization": f"Bearer {read}"}
    first = client.get("/api/v1/payments?since=0", headers=auth).json()
    assert [(p["receipt_number"], p["amount_cents"], p["account_id"]) for p in first["items"]] == [
        ("PAY-1", 6_000, "710000001")]
    assert client.get(f"/api/v1/payments?since={first['next']}", headers=auth).json()["items"] == []
    history = client.get("/api/v1/history?since=0", headers=auth).json()["items"]
    assert {h["kind"] for h in history} == {"import"}
    assert client.get("/api/v1/payments?since=x", headers=auth).status_code == 422
    assert client.get("/api/v1/secrets", headers=auth).status_code == 404
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/upsert" in spec["paths"]
    assert "InvoiceIn" in spec["components"]["schemas"]


def test_each_key_is_rate_limited(client: TestClient, db: Session) -> None:
    _, read = _keys(db)
    auth = {"Authorization": f"Bearer {read}"}
    codes = [client.get("/api/v1/tickets", headers=auth).status_code for _ in range(api_keys.REQUESTS.limit + 1)]
    assert codes[:api_keys.REQUESTS.limit - 1] == [200] * (api_keys.REQUESTS.limit - 1)
    assert codes[-1] == 429


def test_the_import_upload_route_needs_an_admin_cookie(client: TestClient, db: Session) -> None:
    admin = _admin(db)
    ticket = staff_auth.sign_in_staff(db, username="boss", password=PASSWORD)
    session = staff_auth.redeem_staff_ticket(db, ticket=ticket)
    db.commit()
    samples = Path(__file__).resolve().parents[2] / "samples" / "import"
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(samples.glob("*.csv"))]
    refused = client.post("/staff/import/upload", files=files)
    assert refused.headers["location"].startswith("/staff/signin")
    client.cookies.set(staff_auth.STAFF_COOKIE, session.token)
    done = client.post("/staff/import/upload", files=files)
    assert done.status_code == 303 and done.headers["location"].startswith("/staff/import?batch=")
    assert admin.staff_user_id
