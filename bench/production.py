"""The production shape on 127.0.0.1, started the way a provider starts it: a fresh PostgreSQL
database on a server (`scripts/test-services.sh` prints its URL), Redis, a self-signed certificate
and `scripts/run-production.sh` (migrations, the static export, N backend workers, nginx with TLS).
Used by the browser test of the shape (tests/e2e/test_scale_out.py) and by bench/scale.py.

    with production.shape(work, postgres_url, backends=2) as cluster:
        cluster.base_url        # https://127.0.0.1:<port>, through nginx
        cluster.backend_ports   # each worker's own port
        cluster.use_workers(1)  # nginx sends new connections to the first worker only (a reload)

It stops everything it started (the run script, every worker's session, Redis) and drops the
database at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the shape's own self-signed certificate
    return context


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5, context=insecure()) as response:
            return response.status == 200
    except OSError:
        return False


def upstream_with(conf: str, ports: tuple[int, ...], count: int, *, up: tuple[int, ...] | None = None) -> str:
    """nginx.conf with the upstream servers on `ports` after the first `count` marked `down` (or,
    given `up`, every one of `ports` not in it)."""
    for index, port in enumerate(ports):
        line = re.compile(rf"(server {re.escape(HOST)}:{port} [^;\n]*?)( down)?;")
        used = port in up if up is not None else index < count
        conf = line.sub(lambda m, used=used: m.group(1) + (";" if used else " down;"), conf)
    return conf



def stop_group(process: subprocess.Popen, *, grace: float) -> None:
    """SIGTERM a process group started with start_new_session, SIGKILL it if it outlives `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Cluster:
    """A started production shape: its public address, database, Redis, run folder and workers."""

    base_url: str
    database_url: str
    redis_url: str
    run_dir: Path
    backend_ports: tuple[int, ...]
    cert: Path
    web_dir: Path
    redis_pid: int
    _known: dict[int, psutil.Process] = field(default_factory=dict)
    _used: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid: (role, last CPU seconds read)

    def backend_pid(self, port: int) -> int:
        return int((self.run_dir / f"backend-{port}.pid").read_text())

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the proxy's certificate (made for 127.0.0.1) like a browser that trusts it."""
        return ssl.create_default_context(cafile=str(self.cert))

    # --- how many workers nginx uses ---------------------------------------------------------------

    def use_workers(self, count: int, *, only: tuple[int, ...] | None = None) -> None:
        """Let nginx send new connections to the first `count` workers only (or to the workers on the
        ports `only`; the others are marked `down` in its upstream block) and reload it; open
        connections are not moved (the old nginx workers keep them until they close)."""
        conf = self.run_dir / "nginx" / "nginx.conf"
        conf.write_text(upstream_with(conf.read_text(), self.backend_ports, count, up=only))
        subprocess.run(["nginx", "-t", "-q", "-p", str(self.run_dir / "nginx"), "-c", str(conf)], check=True)
        master = psutil.Process(int((self.run_dir / "nginx.pid").read_text()))
        old_workers = _live_children(master)
        master.send_signal(signal.SIGHUP)
        # The reload is done when a new set of nginx workers is up and the old ones have stopped taking
        # connections: ended, or (holding websockets) titled "worker process is shutting down".
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = _live_children(master)
            if current - old_workers and not {pid for pid in current & old_workers if not _shutting_down(pid)}:
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not reload")

    def kill_backend(self, port: int) -> None:
        """Kill a worker and everything it started at once (SIGKILL to its process group: no shutdown,
        no cleanup). The run script starts it again a second later."""
        os.killpg(self.backend_pid(port), signal.SIGKILL)

    # --- what the shape's processes use ------------------------------------------------------------

    def backend_processes(self, port: int) -> list[psutil.Process]:
        """One worker: the `reflex run` process and everything under it (granian and its worker)."""
        try:
            root = psutil.Process(self.backend_pid(port))
            return [root, *root.children(recursive=True)]
        except (psutil.NoSuchProcess, FileNotFoundError):
            return []

    def processes(self) -> dict[str, list[psutil.Process]]:
        """Every server process of the shape by role: each worker ("worker <port>"), nginx, Redis and
        the PostgreSQL processes serving this database; kept by pid so CPU counters are read from one
        object each time."""
        found: dict[str, list[psutil.Process]] = {}
        for port in self.backend_ports:
            found[f"worker {port}"] = self.backend_processes(port)
        found["nginx"] = []
        with contextlib.suppress(psutil.NoSuchProcess, FileNotFoundError, ValueError):
            master = psutil.Process(int((self.run_dir / "nginx.pid").read_text()))
            found["nginx"] = [master, *master.children()]
        found["redis"] = []
        with contextlib.suppress(psutil.NoSuchProcess):
            found["redis"] = [psutil.Process(self.redis_pid)]
        database = sa.make_url(self.database_url).database
        found["postgresql"] = []
        for proc in psutil.process_iter(["cmdline"]):
            with contextlib.suppress(psutil.NoSuchProcess):
                title = " ".join(proc.info["cmdline"] or [])
                if title.startswith("postgres: ") and f" {database} " in f"{title} ":
                    found["postgresql"].append(proc)
        return {role: [self._known.setdefault(p.pid, p) for p in procs] for role, procs in found.items()}

    def cpu_by_role(self) -> dict[str, float]:
        """User + system CPU seconds used so far, by role (see `processes`). A process that has ended
        since (a PostgreSQL connection the pool closed, an old nginx worker) keeps its last reading,
        so the difference of two readings never loses what it used."""
        found = self.processes()
        for role, procs in found.items():
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = proc.cpu_times()
                    self._used[proc.pid] = (role, times.user + times.system)
        totals = dict.fromkeys(found, 0.0)
        for role, used in self._used.values():
            totals[role] = totals.get(role, 0.0) + used
        return totals

    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_role().values())

    def backend_rss(self, port: int) -> int:
        """Resident memory of one worker's processes, in bytes."""
        total = 0
        for proc in self.backend_processes(port):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def socket_ports(self) -> list[int]:
        """The backend port of each open connection to a worker, one entry per connection (nginx
        keeps no idle upstream connections, so each is a websocket or a request under way)."""
        return sorted(c.laddr.port for c in psutil.net_connections(kind="tcp")
                      if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port in self.backend_ports)


def _shutting_down(pid: int) -> bool:
    """An nginx worker of the configuration before a reload, still closing its connections."""
    try:
        return "shutting down" in " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return True


def _live_children(process: psutil.Process) -> set[int]:
    """The pids of a process's children that are running (an old nginx worker may end meanwhile)."""
    found = set()
    for child in process.children():
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() != psutil.STATUS_ZOMBIE:
                found.add(child.pid)
    return found


@contextlib.contextmanager
def shape(work: Path, postgres: str, *, backends: int = 2, env: dict[str, str] | None = None,
          log: Path | None = None, node_modules: Path | None = None) -> Iterator[Cluster]:
    """Start the production shape in `work` (a fresh folder) on the PostgreSQL server `postgres`
    (`postgresql://user:pass@host:port/postgres`) with `backends` workers; `env` adds or overrides
    settings of the run script and the app. The demo provider (catalogue, staff) is loaded first."""
    for program in ("nginx", "redis-server", "openssl"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            raise RuntimeError(f"{program} is not installed: run scripts/test-services.sh")
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)  # nginx's workers read the static export from here
    log = log or work / "run-production.log"

    name = f"portal_scale_{secrets.token_hex(4)}"
    admin = sa.create_engine(postgres.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"

    redis_port = free_port()
    redis = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port),
                              "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", str(work)],
                             stdout=subprocess.DEVNULL)
    script: subprocess.Popen | None = None
    run_dir = work / "run"
    backend_port = free_run(backends)
    ports = tuple(backend_port + i for i in range(backends))
    try:
        cert, key = work / "cert.pem", work / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        proxy_port = free_port()
        base_url = f"https://{HOST}:{proxy_port}"
        web = work / "web"
        node_modules = node_modules or PROJECT_ROOT / ".web" / "node_modules"
        if node_modules.is_dir():  # the same packages: link them rather than install them again
            web.mkdir()
            subprocess.run(["cp", "-al", str(node_modules), str(web / "node_modules")], check=True)
        full_env = {**os.environ, "PORTAL_DATABASE_URL": database_url,
                    "REFLEX_REDIS_URL": f"redis://{HOST}:{redis_port}/0", "PORTAL_PUBLIC_URL": base_url,
                    "PORTAL_SECRET_KEY": secrets.token_urlsafe(32), "PORTAL_ENV": "production",
                    "PORTAL_ALLOW_SANDBOX_IN_PRODUCTION": "true", "RUN_DIR": str(run_dir),
                    "BACKENDS": str(backends), "BACKEND_PORT": str(backend_port),
                    "PROXY_LISTEN": f"{HOST}:{proxy_port}", "TLS_CERT": str(cert), "TLS_KEY": str(key),
                    "JOB_WORKER": "0", "PY": sys.executable, "REFLEX_WEB_WORKDIR": str(web),
                    "REFLEX_STATES_WORKDIR": str(work / "states"), **(env or {})}
        if os.geteuid() == 0:
            full_env["NGINX_USER"] = "root"  # temporary folders may be private to their owner
        # The demo provider's catalogue (service areas, staff): loaded as development.
        subprocess.run([sys.executable, "-m", "portal_app", "setup"], cwd=PROJECT_ROOT, check=True,
                       capture_output=True, env={**full_env, "PORTAL_ENV": "development"})
        with log.open("w") as log_file:
            script = subprocess.Popen(["bash", "scripts/run-production.sh"], cwd=PROJECT_ROOT, env=full_env,
                                      stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 900
        urls = [f"{base_url}/readyz", *(f"http://{HOST}:{port}/readyz" for port in ports)]
        while not all(ready(url) for url in urls):
            if script.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the production shape did not start; see {log}:\n{log.read_text()[-4000:]}")
            time.sleep(1)
        yield Cluster(base_url=base_url, database_url=database_url, redis_url=full_env["REFLEX_REDIS_URL"],
                      run_dir=run_dir, backend_ports=ports, cert=cert, web_dir=web, redis_pid=redis.pid)
    finally:
        if script is not None:
            stop_group(script, grace=30)
        for port in ports:  # each backend runs in its own session: make sure none outlives the shape
            pid_file = run_dir / f"backend-{port}.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(int(pid_file.read_text()), signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=10)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_run(count: int) -> int:
    """A free port with the `count - 1` ports after it free too (the run script numbers the workers from it)."""
    for _ in range(50):
        port = free_port()
        with contextlib.ExitStack() as stack:
            try:
                for offset in range(1, count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind((HOST, port + offset))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no {count} consecutive free ports")
