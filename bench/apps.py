"""The two apps the speed benchmarks compare, built and started in the same run the way the browser
tests start the portal (`reflex run --env prod --single-port`: a frontend export served by the
backend, on 127.0.0.1 only):

- the portal, with the demo data on a throw-away SQLite database (or on a fresh PostgreSQL database
  created on the server `BENCH_POSTGRES_URL` names and dropped at the end; or on `BENCH_DATABASE_URL`
  as given), plus as many copies of the residential demo subscriber as the
  run needs, each signed in with a session of its own;
- a blank Reflex counter app generated in a temporary folder (one page, one counter var, one
  `increment` event), built with the same reflex, Node and frontend packages as the portal.

Each build goes to a work folder of its own (never the project's .web), with the project's
node_modules hard-linked in when they are there, as `tests/e2e/conftest.py::another_app` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.production import stop_group

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# The root state every Reflex app has, and the field Reflex sets once a page's on_load chain is done.
ROOT_STATE = "reflex___state____state"
IS_HYDRATED = "is_hydrated_rx_state_"

BLANK_CONFIG = '''import reflex as rx

config = rx.Config(
    app_name="blank",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
'''

BLANK_APP = '''"""A blank Reflex app with a counter: the floor the portal is measured against."""

import reflex as rx


class State(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading("Counter", as_="h1"),
            rx.cond(
                State.is_hydrated,
                rx.text("Count: ", State.count, id="hydrated"),
                rx.text("Loading", id="loading"),
            ),
            rx.button("Increment", on_click=State.increment),
        ),
    )


app = rx.App()
app.add_page(index, route="/", title="Counter")
'''
# The blank app's state and event, as Reflex names them (module blank.blank, class State).
BLANK_STATE = f"{ROOT_STATE}.blank___blank____state"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
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


def _link_node_modules(web_dir: Path) -> None:
    """The same frontend packages as the project's own build: hard links, not a second install."""
    source = Path(os.environ.get("BENCH_NODE_MODULES", PROJECT_ROOT / ".web" / "node_modules"))
    if source.is_dir() and not (web_dir / "node_modules").exists():
        web_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(source), str(web_dir / "node_modules")], check=True)


@dataclass
class RunningApp:
    """One started app: its address, its process tree (for CPU time) and its frontend build."""

    name: str
    base_url: str
    process: subprocess.Popen
    web_dir: Path
    log: Path
    database_url: str = ""
    _known: dict[int, psutil.Process] = field(default_factory=dict)

    def processes(self) -> list[psutil.Process]:
        """The `reflex run` process and everything under it (the backend worker), kept by pid so
        each one's CPU counters are read from the same object every time."""
        if self.process.pid is None:  # an app started elsewhere whose process is not known
            return []
        try:
            root = psutil.Process(self.process.pid)
            found = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        found += self._database_processes()
        for proc in found:
            self._known.setdefault(proc.pid, proc)
        return [self._known[p.pid] for p in found]

    def _database_processes(self) -> list[psutil.Process]:
        """On PostgreSQL, the server processes of this app's connections (their work is the app's too)."""
        if not self.database_url.startswith("postgresql"):
            return []
        import sqlalchemy as sa

        database = sa.make_url(self.database_url).database
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres: ") and f" {database} " in f"{title} ":
                found.append(proc)
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the app's whole process tree (and, on
        PostgreSQL, by the database server's processes serving it)."""
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def boot_info(self) -> tuple[list[str] | None, str | None]:
        """What the built frontend sends when it connects: the hashes of the state it was compiled
        with (so the first hydrate only returns vars that differ) and the state schema."""
        context = next((p for p in (self.web_dir / "utils" / f"context.{ext}" for ext in ("jsx", "js")) if p.is_file()), None)
        if context is None:
            return None, None
        text = context.read_text()
        hashes = re.search(r"export const initialStateHashes = (\[.*?\])", text, re.S)
        schema = re.search(r"export const stateSchema = (\"[^\"]*\")", text)
        return (json.loads(hashes.group(1)) if hashes else None, json.loads(schema.group(1)) if schema else None)


@contextlib.contextmanager
def _serve(name: str, cwd: Path, work: Path, env: dict[str, str], *, ready_path: str, port: int = 0
           ) -> Iterator[RunningApp]:
    port = port or free_port()
    base_url = f"http://{HOST}:{port}"
    env = {**os.environ, "REFLEX_USE_NPM": "1", "REFLEX_CHECK_LATEST_VERSION": "false",
           "REFLEX_WEB_WORKDIR": str(work / "web"), "REFLEX_STATES_WORKDIR": str(work / "states"), **env}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    work.mkdir(parents=True, exist_ok=True)
    _link_node_modules(work / "web")
    log = work / f"{name}.log"
    started = time.monotonic()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port", "--backend-host", HOST,
             "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info"],
            cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(f"{base_url}{ready_path}", time.monotonic() + 900, process, log)
        print(f"  {name}: built and started in {time.monotonic() - started:.0f} s at {base_url}", flush=True)
        yield RunningApp(name=name, base_url=base_url, process=process, web_dir=work / "web", log=log,
                         database_url=env.get("PORTAL_DATABASE_URL", ""))
    finally:
        stop_group(process, grace=20)


@contextlib.contextmanager
def _database(work: Path) -> Iterator[str]:
    """SQLite in the work folder by default; `BENCH_DATABASE_URL` as given; or, with
    `BENCH_POSTGRES_URL` (a server URL as `scripts/test-services.sh` prints), a fresh PostgreSQL
    database of its own, dropped at the end."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        yield url
        return
    server = os.environ.get("BENCH_POSTGRES_URL")
    if not server:
        yield f"sqlite:///{work / 'portal.db'}"
        return
    import sqlalchemy as sa

    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def portal(work: Path) -> Iterator[RunningApp]:
    """The portal in prod mode with the demo data (migrated and seeded before it starts)."""
    with _database(work) as database_url:
        port_env = {"PORTAL_DATABASE_URL": database_url}
        env = {**os.environ, **port_env, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
        subprocess.run([sys.executable, "-m", "portal_app", "setup"], cwd=PROJECT_ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # The only origin the websocket and CORS accept is the portal's public URL, which names the port.
        port = free_port()
        port_env["PORTAL_PUBLIC_URL"] = f"http://{HOST}:{port}"
        with _serve("portal", PROJECT_ROOT, work / "portal", port_env, port=port, ready_path="/healthz") as app:
            _wait_for(f"{app.base_url}/signin", time.monotonic() + 300, app.process, app.log)
            yield app


@contextlib.contextmanager
def blank(work: Path) -> Iterator[RunningApp]:
    """A blank counter app generated here, built with the same reflex, Node and packages."""
    app_dir = work / "blank-app"
    (app_dir / "blank").mkdir(parents=True)
    (app_dir / "rxconfig.py").write_text(BLANK_CONFIG)
    (app_dir / "blank" / "__init__.py").write_text("")
    (app_dir / "blank" / "blank.py").write_text(BLANK_APP)
    # The portal's committed lockfile, so npm resolves the same frontend package versions.
    shutil.copytree(PROJECT_ROOT / "reflex.lock", app_dir / "reflex.lock")
    with _serve("blank", app_dir, work / "blank", {}, ready_path="/") as app:
        yield app


@contextlib.contextmanager
def both(keep: bool = False) -> Iterator[tuple[RunningApp, RunningApp]]:
    """Build and start the portal and the blank app; stop both (and drop their builds) at the end."""
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        with portal(work) as portal_app, blank(work) as blank_app:
            yield portal_app, blank_app
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


# --- subscribers and their sessions --------------------------------------------------------------

@dataclass(frozen=True)
class Subscriber:
    user_id: int
    username: str


class Subscribers:
    """Copies of the residential demo subscriber (a year of bills: two pages of invoices) in the
    portal's database, and real sessions for them: the pre-session cookie from a page load, a
    sign-in ticket bound to it (what the sign-in form makes once the password is right), and the
    portal's own `/auth/session/start` route swapping it for the HttpOnly session cookie."""

    def __init__(self, database_url: str) -> None:
        from portal_app.models import make_engine

        self.engine = make_engine(database_url)

    def make(self, count: int) -> list[Subscriber]:
        from sqlmodel import Session, select

        from portal_app.jobs import demo_data
        from portal_app.models import PortalUser
        from portal_app.services.core.clock import provider_today

        made: list[Subscriber] = []
        with Session(self.engine, expire_on_commit=False) as db:
            for _ in range(count):
                tag = uuid.uuid4().hex[:8]
                ids = demo_data.ResidentialIds(
                    account_number=f"3{int(tag, 16) % 10**8:08d}", username=f"bench{tag}",
                    email=f"bench.{tag}@lumen-demo.example", password=f"bench-load-{tag}-passphrase",
                    ticket_numbers=(f"TKT-BW{tag}", f"TKT-BB{tag}"))
                demo_data.add_residential_copy(db, today=provider_today(), ids=ids)
                db.flush()
                user = db.exec(select(PortalUser).where(PortalUser.username == ids.username)).one()
                made.append(Subscriber(user_id=user.id, username=user.username))
            db.commit()
        return made

    def ticket(self, subscriber: Subscriber, presession: str) -> str:
        from sqlmodel import Session

        from portal_app.models import PortalUser
        from portal_app.services.identity import auth

        with Session(self.engine, expire_on_commit=False) as db:
            user = db.get(PortalUser, subscriber.user_id)
            ticket = auth.create_session_ticket(db, user=user, binding=presession)
            db.commit()
        return ticket



# --- keep both apps up for repeated runs (`--attach`) --------------------------------------------

def describe(app: RunningApp) -> dict[str, object]:
    return {"name": app.name, "base_url": app.base_url, "pid": app.process.pid, "web_dir": str(app.web_dir),
            "log": str(app.log), "database_url": app.database_url}


class _Attached:
    """A started app of another process: enough of subprocess.Popen for RunningApp."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return None if self.pid is None or psutil.pid_exists(self.pid) else 1


def running(base_url: str, database_url: str, web_dir: Path, pid: int | None = None, name: str = "portal"
            ) -> RunningApp:
    """An app started by someone else (the browser tests' app, say): its address, database and build."""
    return RunningApp(name=name, base_url=base_url, process=_Attached(pid), web_dir=web_dir,  # type: ignore[arg-type]
                      log=Path(os.devnull), database_url=database_url)


def attach(info_file: Path) -> tuple[RunningApp, RunningApp]:
    """The portal and blank app that `python -m bench.apps --serve FILE` started and described."""
    info = json.loads(Path(info_file).read_text())
    made = [running(i["base_url"], i["database_url"], Path(i["web_dir"]), i["pid"], i["name"]) for i in info]
    return made[0], made[1]


def _serve_forever(info_file: Path, minutes: float) -> None:
    with both() as (portal_app, blank_app):
        info_file.write_text(json.dumps([describe(portal_app), describe(blank_app)], indent=1))
        print(f"both apps up; described in {info_file}; stopping in {minutes:.0f} minutes (or on Ctrl-C)", flush=True)
        try:
            time.sleep(minutes * 60)
        except KeyboardInterrupt:
            pass
        finally:
            info_file.unlink(missing_ok=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Build and start the portal and the blank app, and keep them up.")
    parser.add_argument("--serve", type=Path, required=True, help="write the apps' addresses and pids here")
    parser.add_argument("--minutes", type=float, default=60.0, help="stop after this long (default 60)")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    _serve_forever(arguments.serve, arguments.minutes)
