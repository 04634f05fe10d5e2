"""Browser tests: start the real app once per session (prod build, one port, seeded data)
and drive it with Playwright in Debian's Chromium at a phone viewport."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float, process: subprocess.Popen, log: Path) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early; see {log}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer {url} in time; see {log}")


class PortalServer:
    def __init__(self, base_url: str, database_url: str) -> None:
        self.base_url = base_url
        self.database_url = database_url
        self.engine = sa.create_engine(database_url)

    def sql(self, statement: str, **params) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.text(statement), params)


@pytest.fixture(scope="session")
def oidc_idp() -> Iterator:
    """The identity provider the test app's staff sign-in trusts (tests/oidc_provider.py), for the
    whole session: the app reads its address at start-up."""
    from tests.oidc_provider import OidcProvider

    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def twilio() -> Iterator:
    """The fake of Twilio's API the test app's texts go to (tests/twilio_fake.py), for the whole session;
    browser tests read the texts (codes, notices) it received."""
    from tests.twilio_fake import TwilioFake

    fake = TwilioFake().start()
    yield fake
    fake.stop()


OIDC_DOMAIN = "provider.example"
OIDC_LABEL = "Test IdP"


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory, oidc_idp, twilio) -> Iterator[PortalServer]:
    ARTIFACTS.mkdir(exist_ok=True)
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'portal.db'}"
    port = _free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "REFLEX_USE_NPM": "1",
           # Links in mail, and the only Origin the websocket and CORS accept.
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
           # Staff may also sign in with the test identity provider (the button on /staff/signin).
           "PORTAL_STAFF_OIDC_ISSUER": oidc_idp.issuer, "PORTAL_STAFF_OIDC_CLIENT_ID": oidc_idp.client_id,
           "PORTAL_STAFF_OIDC_CLIENT_SECRET": oidc_idp.client_secret,
           "PORTAL_STAFF_OIDC_ALLOWED_DOMAIN": OIDC_DOMAIN, "PORTAL_STAFF_OIDC_LABEL": OIDC_LABEL,
           # Texts go to the fake Twilio (the Notifications page offers them; tests read what it got).
           **twilio.env()}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    subprocess.run([sys.executable, "-m", "portal_app", "setup"], cwd=PROJECT_ROOT, env=env, check=True)
    log = ARTIFACTS / "app.log"
    started = time.monotonic()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info"],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/healthz", time.monotonic() + 600, process, log)
        _wait_for(f"{base_url}/signin", time.monotonic() + 120, process, log)
        (ARTIFACTS / "timings.txt").write_text(f"app build and start: {time.monotonic() - started:.1f}s\n")
        yield PortalServer(base_url, database_url)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def another_app(tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str],
                *, demo_data: bool = False) -> Iterator[PortalServer]:
    """A second app configured by `env` (Stripe, another theme), built in a work directory of its
    own: building into the project's .web would point the main test app's pages at this server's
    websocket (the build carries the backend address), and break them once it stops."""
    ARTIFACTS.mkdir(exist_ok=True)
    database_url = f"sqlite:///{tmp_path_factory.mktemp(f'e2e-{name}') / 'portal.db'}"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "REFLEX_USE_NPM": "1", "PORTAL_PUBLIC_URL": base_url,
           **env}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    workdir = tmp_path_factory.mktemp(f"e2e-{name}-build")
    env["REFLEX_WEB_WORKDIR"] = str(workdir / "web")
    env["REFLEX_STATES_WORKDIR"] = str(workdir / "states")
    node_modules = PROJECT_ROOT / ".web" / "node_modules"
    if node_modules.is_dir():  # the same packages: link them rather than install them again
        (workdir / "web").mkdir()
        subprocess.run(["cp", "-al", str(node_modules), str(workdir / "web" / "node_modules")], check=True)
    command = "setup" if demo_data else "migrate"
    subprocess.run([sys.executable, "-m", "portal_app", command], cwd=PROJECT_ROOT, env=env, check=True)
    log = ARTIFACTS / f"app-{name}.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info"],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(f"{base_url}/healthz", time.monotonic() + 600, process, log)
        _wait_for(f"{base_url}/signin", time.monotonic() + 120, process, log)
        yield PortalServer(base_url, database_url)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test-services.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, portal: PortalServer, request: pytest.FixtureRequest) -> Iterator:
    """A fresh phone-sized browser context (no cookies) per test; a screenshot is kept at the end."""
    from tests.e2e.helpers import SOCKET_WATCH

    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page = context.new_page()
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
