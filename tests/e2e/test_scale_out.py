"""The production shape, proven (issues 13 and 19): PostgreSQL, Redis, two backend workers and nginx
with TLS on 127.0.0.1, started by scripts/run-production.sh exactly as a provider would (through
bench/production.py, which bench/scale.py uses too). A subscriber signs in through the proxy in
Chromium; the worker holding the tab's websocket is killed; the next tap is answered by the other
worker, still signed in, with the tab's state. A payment tapped while its worker dies is never
lost: the page shows what became of it, and the database and the processor's books agree (charged
and recorded once, or neither)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from bench import production
from portal_app.models import AccountHistory, Payment, StaffUser, Workflow, WorkflowTask
from portal_app.services.billing import billing
from portal_app.services.core.principal import Principal
from portal_app.services.orders import orders
from tests.e2e.conftest import ARTIFACTS, PHONE, PortalServer
from tests.e2e.helpers import SOCKET_WATCH, sign_in, wait_until_settled
from tests.e2e.personas import make_persona
from tests.e2e.test_services_orders import PASSWORD, _subscriber

NGINX_FAIL_TIMEOUT_S = 10  # scripts/run-production.sh: max_fails=1 fail_timeout=10s on each worker
ANSWER_DELAY_MS = 4000  # the sandbox holds each charge's answer back this long: the test kills the worker then


class Cluster(PortalServer):
    """The started shape (bench/production.py) with what the tests do to it."""

    def __init__(self, shape: production.Cluster) -> None:
        super().__init__(shape.base_url, shape.database_url)
        self.shape = shape
        self.run_dir = shape.run_dir
        self.backend_ports = shape.backend_ports
        self.redis_url = shape.redis_url
        self.last_stop = 0.0  # when a test last stopped a worker (monotonic)

    def backend_pid(self, port: int) -> int:
        return self.shape.backend_pid(port)

    def socket_holder(self) -> int:
        """The backend port that holds the open websocket (nginx keeps no idle upstream connections,
        so an established connection to a backend is a websocket)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            holders = set(self.socket_ports())
            if len(holders) == 1:
                return holders.pop()
            time.sleep(0.2)
        raise AssertionError(f"no single worker holds the websocket: {holders}")

    def socket_ports(self) -> list[int]:
        """The backend port of each open websocket, one entry per socket."""
        return self.shape.socket_ports()

    def wait_until_both_serve(self) -> None:
        """Both workers answer (the script starts a killed one again, which takes a few seconds), and
        nginx uses both again: it leaves a worker it failed to reach alone for fail_timeout (10 s), so a
        test right after another one's stopped worker could get 502 from a proxy with none left."""
        deadline = time.monotonic() + 120
        while not all(production.ready(f"http://127.0.0.1:{port}/readyz") for port in self.backend_ports):
            assert time.monotonic() < deadline, "a backend worker did not come back"
            time.sleep(0.5)
        time.sleep(max(0.0, self.last_stop + NGINX_FAIL_TIMEOUT_S + 1 - time.monotonic()))

    def stopped(self) -> None:
        self.last_stop = time.monotonic()

    def kill_backend(self, port: int) -> None:
        """Kill the worker process and everything it started, at once (no shutdown, no cleanup)."""
        self.shape.kill_backend(port)
        self.stopped()

    def ledger_charges(self, key: str) -> int:
        with sqlite3.connect(self.run_dir / "sandbox-ledger.sqlite") as ledger:
            return ledger.execute("SELECT COUNT(*) FROM charges WHERE key = ?", (key,)).fetchone()[0]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    postgres = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
    if not postgres:
        pytest.fail("PORTAL_TEST_POSTGRES_URL is not set: run scripts/test-services.sh (or the README's test command)")
    for program in ("nginx", "redis-server", "openssl"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            pytest.fail(f"{program} is not installed: run scripts/test-services.sh")
    ARTIFACTS.mkdir(exist_ok=True)
    work = tmp_path_factory.mktemp("scale")
    run_dir = work / "run"
    started = time.monotonic()
    try:
        with production.shape(work, postgres, backends=2, log=ARTIFACTS / "scale-out.log",
                              env={"PORTAL_SANDBOX_ANSWER_DELAY_MS": str(ANSWER_DELAY_MS),
                                   "PORTAL_LOG_FORMAT": "json"}) as shape:
            (ARTIFACTS / "timings-scale-out.txt").write_text(f"export and start: {time.monotonic() - started:.1f}s\n")
            cluster = Cluster(shape)
            yield cluster
            cluster.engine.dispose()
    finally:
        for name in ("nginx-access.log", "nginx-error.log", *(p.name for p in run_dir.glob("backend-*.log"))):
            if (run_dir / name).exists():
                shutil.copy(run_dir / name, ARTIFACTS / f"scale-out-{name}")


@pytest.fixture
def tab(browser, cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized tab through the proxy; every page it opens must run under the CSP with no refusal."""
    cluster.wait_until_both_serve()
    context = browser.new_context(viewport=PHONE, base_url=cluster.base_url, ignore_https_errors=True)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert refused == [], refused


def _sign_in_to(page: Page, path: str, persona) -> None:
    page.goto(path)
    page.wait_for_url("**/signin**")
    sign_in(page, persona.username, persona.password)
    page.wait_for_url(re.compile(re.escape(path.rstrip("/")) + r"/?(\?.*)?$"))
    wait_until_settled(page)


def test_the_proxy_serves_pages_with_the_portals_headers(cluster: Cluster) -> None:
    with urllib.request.urlopen(f"{cluster.base_url}/signin", context=production.insecure()) as page:
        headers = page.headers
        assert page.status == 200 and headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
    assert "HttpOnly" in headers["Set-Cookie"] and "Secure" in headers["Set-Cookie"]
    with urllib.request.urlopen(f"{cluster.base_url}/readyz", context=production.insecure()) as ready:
        assert ready.read() == b'{"status":"ready","database":"ok","migrations":"ok","redis":"ok"}'


def test_a_tab_carries_on_on_the_other_worker_when_its_worker_dies(tab: Page, cluster: Cluster) -> None:
    persona = make_persona(cluster, bills=tuple(1000 + i for i in range(14)))  # three pages of invoices
    _sign_in_to(tab, "/invoices", persona)
    token = tab.evaluate("window.sessionStorage.getItem('token')")
    tab.get_by_role("button", name="Older").click()
    expect(tab.get_by_text("Page 2 of 3")).to_be_visible()
    wait_until_settled(tab)

    holder = cluster.socket_holder()
    other = next(port for port in cluster.backend_ports if port != holder)
    cluster.kill_backend(holder)
    # The tab reconnects through the proxy to the other worker by itself; the page's load runs again
    # there (Reflex re-runs on_load on every connect), for the same tab and the same session.
    deadline = time.monotonic() + 30
    while cluster.socket_holder() != other:
        assert time.monotonic() < deadline, "the tab did not reconnect to the other worker"
    wait_until_settled(tab)
    tab.get_by_role("button", name="Older").click()
    expect(tab.get_by_text("Page 2 of 3")).to_be_visible()
    tab.get_by_role("button", name="Older").click()
    expect(tab.get_by_text("Page 3 of 3")).to_be_visible()
    assert "/signin" not in tab.url  # the same session: no sign-in again
    assert tab.evaluate("window.sessionStorage.getItem('token')") == token  # the same tab


def test_a_worker_stopped_gracefully_hands_its_tabs_over_at_once(tab: Page, cluster: Cluster) -> None:
    persona = make_persona(cluster, bills=tuple(1000 + i for i in range(14)))
    _sign_in_to(tab, "/invoices", persona)
    token = tab.evaluate("window.sessionStorage.getItem('token')")
    holder = cluster.socket_holder()
    other = next(port for port in cluster.backend_ports if port != holder)
    started = time.monotonic()
    os.kill(cluster.backend_pid(holder), signal.SIGTERM)  # a deploy or a scale-down: SIGTERM, not a crash
    cluster.stopped()
    while cluster.socket_holder() != other:
        assert time.monotonic() - started < 10, "the tab did not move to the other worker"
    tab.get_by_role("button", name="Older").click()
    expect(tab.get_by_text("Page 2 of 3")).to_be_visible()
    assert time.monotonic() - started < 10
    assert tab.evaluate("window.sessionStorage.getItem('token')") == token and "/signin" not in tab.url


def _keys(cluster: Cluster, account_id: int) -> list[tuple[str, str]]:
    with Session(cluster.engine) as db:
        return [(p.idempotency_key, p.status) for p in db.exec(select(Payment).where(Payment.account_id == account_id))]


def test_a_card_payment_whose_worker_dies_before_answering_is_received_once(tab: Page, cluster: Cluster) -> None:
    persona = make_persona(cluster, bills=(4000,))
    _sign_in_to(tab, "/pay", persona)
    tab.get_by_label("Card number").fill("4242 4242 4242 4242")
    tab.get_by_label("Expiry (MM/YY)").fill("12/31")
    tab.get_by_label("Security code").fill("123")
    holder = cluster.socket_holder()
    tab.get_by_role("button", name="PAY NOW").click()
    # The worker recorded the payment and the processor made the charge; its answer is on the way.
    deadline = time.monotonic() + 20
    while not (_keys(cluster, persona.account_id) and cluster.ledger_charges(_keys(cluster, persona.account_id)[0][0])):
        assert time.monotonic() < deadline, "the payment never reached the processor"
        time.sleep(0.05)
    cluster.kill_backend(holder)

    # The tab reconnects to the other worker, which asks the processor and records what it did.
    expect(tab.locator("#payment-done")).to_have_text("Payment received", timeout=40_000)
    expect(tab.locator("#done-balance")).to_contain_text("$0.00")
    [(key, status)] = _keys(cluster, persona.account_id)
    assert status == "succeeded" and cluster.ledger_charges(key) == 1
    with Session(cluster.engine) as db:
        assert billing.balance_cents(db, account_id=persona.account_id) == 0
        actions = [h.action for h in db.exec(select(AccountHistory).where(
            AccountHistory.account_id == persona.account_id, AccountHistory.kind == "payment"))]
    assert actions.count("succeeded") == 1
    # Nothing secret in any log of the whole shape (workers, proxy access and error logs).
    session = next(c["value"] for c in tab.context.cookies() if c["name"] == "portal_session")
    token = tab.evaluate("window.sessionStorage.getItem('token')")
    logs = "\n".join(path.read_text(errors="replace") for path in cluster.run_dir.glob("*.log"))
    for secret in ("4242424242424242", "4242 4242 4242 4242", persona.password, session, token):
        assert secret not in logs, secret


def test_a_tap_that_never_reached_its_worker_says_nothing_was_charged(tab: Page, cluster: Cluster) -> None:
    persona = make_persona(cluster, bills=(4000,))
    _sign_in_to(tab, "/pay", persona)
    tab.get_by_label("Card number").fill("4242 4242 4242 4242")
    tab.get_by_label("Expiry (MM/YY)").fill("12/31")
    tab.get_by_label("Security code").fill("123")
    holder = cluster.socket_holder()
    pid = cluster.backend_pid(holder)
    os.killpg(pid, signal.SIGSTOP)  # the worker hangs: the tap goes out but is never answered...
    cluster.stopped()
    try:
        tab.get_by_role("button", name="PAY NOW").click()
        tab.wait_for_timeout(300)
    finally:
        cluster.kill_backend(holder)  # ...and then it dies
    expect(tab.locator("#payment-error")).to_contain_text("Nothing was charged", timeout=40_000)
    expect(tab.get_by_role("button", name="PAY NOW")).to_be_visible()
    assert _keys(cluster, persona.account_id) == []
    with Session(cluster.engine) as db:
        assert billing.balance_cents(db, account_id=persona.account_id) == 4000


def test_a_step_staff_complete_on_the_other_worker_or_a_job_shows_live(tab: Page, cluster: Cluster, browser,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Live updates across workers: the staff action is handled by the worker that does NOT hold the
    subscriber's websocket, so the news travels through Redis; then a job process (here, this test's
    process with the same REFLEX_REDIS_URL) completes the next step."""
    me = _subscriber(cluster, workflow=True)
    tab.goto("/orders")
    tab.wait_for_url("**/signin**")
    sign_in(tab, me["username"], PASSWORD)
    tab.wait_for_url(re.compile(r"/orders/?$"))
    wait_until_settled(tab)
    steps = tab.locator(".tracker-step")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    tab.evaluate("window.__liveMark = 'still here'")
    holder = cluster.socket_holder()

    context = browser.new_context(viewport=PHONE, base_url=cluster.base_url, ignore_https_errors=True)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    desk = context.new_page()
    desk.goto("/staff/signin")
    desk.get_by_label("Staff username").fill("staff")
    desk.get_by_label("Password").fill("demo-staff-2026")
    desk.get_by_role("button", name="SIGN IN").click()
    expect(desk.get_by_role("heading", name="Find an account")).to_be_visible()
    other = next(port for port in cluster.backend_ports if port != holder)
    for _ in range(8):  # nginx spreads new websockets over the workers: until the staff tab's is on the other one
        desk.goto(f"/staff/orders?number={me['number']}")
        expect(desk.locator(".staff-task")).to_have_count(4)
        wait_until_settled(desk)
        if cluster.socket_ports() == sorted([holder, other]):
            break
    assert cluster.socket_ports() == sorted([holder, other]), "the staff tab never reached the other worker"
    desk.locator(".staff-task").nth(1).get_by_role("button", name="COMPLETE").click()
    expect(desk.locator(".staff-task").nth(1)).to_contain_text("Completed")

    expect(steps.nth(1)).to_have_attribute("data-state", "done", timeout=10_000)
    expect(steps.nth(2)).to_have_attribute("data-state", "current")
    assert tab.evaluate("window.__liveMark") == "still here"  # no reload: pushed
    context.close()

    # A job process: no browser, no worker; the news goes through Redis to the worker holding the tab.
    monkeypatch.setenv("REFLEX_REDIS_URL", cluster.redis_url)
    with Session(cluster.engine, expire_on_commit=False) as db:
        staff = db.exec(select(StaffUser).where(StaffUser.username == "staff")).one()
        workflow = db.exec(select(Workflow).where(Workflow.account_id == me["account_id"])).one()
        third = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id,
                                                   WorkflowTask.name == "Installer visit")).one()
        orders.advance_task(db, principal=Principal(kind="staff", display_name=staff.full_name,
                                                    staff_user_id=staff.id, staff_role=staff.role),
                            account_id=me["account_id"], task_id=third.id, action="complete")
        db.commit()
    expect(steps.nth(2)).to_have_attribute("data-state", "done", timeout=10_000)
    assert tab.evaluate("window.__liveMark") == "still here"



def test_sign_out_everywhere_elsewhere_ends_the_tabs_next_tap(tab: Page, cluster: Cluster,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker holding the tab answers its taps from its cache of resolved sessions; a sign-out
    everywhere committed by another process (here this one, through Redis as a job or the other worker
    would) ends the tab's very next tap."""
    from portal_app.models import PortalUser
    from portal_app.services.identity import account_security

    persona = make_persona(cluster, bills=tuple(1000 + i for i in range(14)))
    _sign_in_to(tab, "/invoices", persona)
    for page in ("Page 2 of 3", "Page 3 of 3"):  # taps answered with the session this worker keeps
        tab.get_by_role("button", name="Older").click()
        expect(tab.get_by_text(page)).to_be_visible()
    monkeypatch.setenv("REFLEX_REDIS_URL", cluster.redis_url)
    with Session(cluster.engine, expire_on_commit=False) as db:
        user = db.exec(select(PortalUser).where(PortalUser.username == persona.username)).one()
        account_security.sign_out_everywhere(db, principal=Principal(
            kind="subscriber", display_name=persona.username, user_id=user.id, account_id=persona.account_id))
        db.commit()
    tab.get_by_role("button", name="Newer").click()
    tab.wait_for_url("**/signin**", timeout=10_000)
    expect(tab.get_by_text("Page 2 of 3")).to_have_count(0)
