"""Live updates across processes at 390×844: a subscriber with Payments open sees a bank (ACH) payment go from
Pending to Paid without reloading when the settlement is recorded by `python -m portal_app settle-ach` (the
sandbox processor's answer, in another process, as the job worker records it) and reaches the app through
Redis, as in production with several workers."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_app.models import Payment
from tests.e2e.conftest import ARTIFACTS, PHONE, PROJECT_ROOT, _free_port, another_app
from tests.e2e.helpers import sign_in
from tests.e2e.personas import make_persona


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    """A Redis of the test's own on a free port (nothing kept on disk), stopped afterwards."""
    port = _free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                import time

                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pending_ach(server, account_id: int, amount_cents: int) -> str:
    """A bank payment as the sandbox processor leaves it: accepted, pending until the bank settles it."""
    receipt = f"E2E-ACH-{uuid.uuid4().hex[:8]}"
    with Session(server.engine) as db:
        db.add(Payment(account_id=account_id, receipt_number=receipt, amount_cents=amount_cents, status="pending",
                       method_kind="ach", method_label="Bank •••• 6789", gateway="sandbox",
                       gateway_ref=f"ach_sandbox_ok_{uuid.uuid4().hex[:20]}", idempotency_key=uuid.uuid4().hex,
                       created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
        db.commit()
    return receipt


def test_an_ach_payment_settles_live_on_the_open_payments_page(browser, tmp_path_factory, redis_server) -> None:
    with another_app(tmp_path_factory, "live-redis", {"REFLEX_REDIS_URL": redis_server}, demo_data=True) as server:
        persona = make_persona(server, first_name="Amara", bills=(4500,))
        receipt = _pending_ach(server, persona.account_id, 4500)
        context = browser.new_context(viewport=PHONE, base_url=server.base_url)
        context.set_default_timeout(20_000)
        phone = context.new_page()
        phone.goto("/signin")
        sign_in(phone, persona.username, persona.password)
        expect(phone.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()
        phone.goto("/payments")
        row = phone.locator(".payment-row", has_text=receipt)
        expect(row).to_contain_text("Pending")
        expect(row).to_contain_text("$45.00")
        phone.evaluate("window.__liveMark = 'still here'")  # a reload or navigation would drop it

        env = {**os.environ, "PORTAL_DATABASE_URL": server.database_url, "REFLEX_REDIS_URL": redis_server,
               "PORTAL_PUBLIC_URL": server.base_url}
        settled = subprocess.run([sys.executable, "-m", "portal_app", "settle-ach"], cwd=PROJECT_ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert settled.returncode == 0, settled.stdout + settled.stderr
        assert "1 done" in settled.stdout + settled.stderr

        expect(row).to_contain_text("Paid", timeout=15_000)
        expect(row).not_to_contain_text("Pending")
        assert phone.evaluate("window.__liveMark") == "still here"
        phone.screenshot(path=str(ARTIFACTS / "live-ach-settled.png"))
        context.close()
