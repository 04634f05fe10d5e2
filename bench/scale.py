"""Scale-out figures on the production shape (README "Production shape", issue 13): PostgreSQL,
Redis, nginx with TLS and two backend workers, started by bench/production.py the way
scripts/run-production.sh runs them, all on 127.0.0.1.

    .venv/bin/python bench/scale.py                        # both parts, default settings (a few minutes)
    .venv/bin/python bench/scale.py --clients 60 --seconds 10 --rounds 2 --idle 250,500,1000,2000
    .venv/bin/python bench/scale.py --skip-idle            # only 1 against 2 workers
    .venv/bin/python bench/scale.py --skip-idle --profile /tmp/scale-profile   # + py-spy of one worker
    BENCH_POSTGRES_URL=postgresql://user:pass@127.0.0.1:5432/postgres .venv/bin/python bench/scale.py

1. **1 worker against 2 workers**: N signed-in tabs (bench/load.py's Invoices pager: a subscriber of
   their own each, the real sign-in hand-off through the proxy) tap back to back through nginx.
   nginx's upstream has both workers; for the 1-worker runs the second is marked `down` and nginx is
   reloaded, so the same processes, proxy and database serve both kinds of run. The runs alternate
   (the order flips every round). It prints events/s, p50/p95/p99, server CPU per event (both
   workers' process trees, nginx, Redis and the PostgreSQL processes of the database), the client's
   own CPU per event, how nginx spread the tabs, and the ratio of 2 workers to 1.
2. **Idle sessions on one worker**: K connected, signed-in, hydrated tabs on /invoices that do
   nothing (K in steps up to `--idle-limit`), held by `--idle-procs` client processes; at each step
   a few active tabs tap the pager and the p95 of their events, the worker's resident memory (RSS of
   its process tree) and Redis's memory per idle tab are printed. The idle tabs' sessions are made
   in bulk in the bench's own setup with the portal's `auth.open_session` (what
   `/auth/session/start` calls after the ticket check), one session row per tab, and the tab's jar
   gets the cookie that route would set; the tabs then connect and load through the proxy like any.

It states the machine and its load average; it stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from yarl import URL  # noqa: E402

from bench import apps, production  # noqa: E402
from bench.load import InvoicesPager, Run, Scenario, _close_tabs, _cpu_model, _loadavg, _ms, _open_tabs, measure  # noqa: E402
from bench.reflex_client import Tab  # noqa: E402
from portal_app.services.identity.auth import SESSION_COOKIE  # noqa: E402


@dataclass
class ShapeApp(apps.RunningApp):
    """The shape as bench/load.py's `measure` sees an app: its public address, its build (for the
    compiled state hashes) and the CPU of all its server processes."""

    cluster: production.Cluster | None = None
    readings: list[dict[str, float]] = field(default_factory=list)  # CPU by role at each reading

    def cpu_seconds(self) -> float:
        """`measure` reads this at the start and the end of the measured seconds: kept by role too."""
        self.readings.append(self.cluster.cpu_by_role() if self.cluster else {})
        return sum(self.readings[-1].values())

    def last_window(self) -> dict[str, float]:
        """CPU seconds by role between the last two readings (the last run's measured seconds)."""
        before, after = self.readings[-2], self.readings[-1]
        return {role: after.get(role, 0.0) - before.get(role, 0.0) for role in after}


def shape_app(cluster: production.Cluster) -> ShapeApp:
    # Its process, for `--profile` (py-spy with its subprocesses): the first worker, which every run uses.
    first = apps._Attached(cluster.backend_pid(cluster.backend_ports[0]))
    return ShapeApp(name="portal", base_url=cluster.base_url, process=first,  # type: ignore[arg-type]
                    web_dir=cluster.web_dir, log=Path(os.devnull), database_url=cluster.database_url, cluster=cluster)


class SessionTabs(InvoicesPager):
    """Tabs signed in with session rows the bench made (see the module's docstring)."""

    def __init__(self, tokens: list[str], context) -> None:
        super().__init__(subscribers=None, people=[])  # type: ignore[arg-type]
        self.tokens = tokens
        self.ssl = context

    async def jar(self, app: apps.RunningApp, index: int) -> aiohttp.ClientSession:
        http = await Scenario.jar(self, app, index)
        http.cookie_jar.update_cookies({SESSION_COOKIE: self.tokens[index]}, URL(app.base_url))
        return http


def raise_open_files() -> int:
    """Thousands of sockets: the soft limit on open files up to the hard one (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- part 1: 1 worker against 2 ------------------------------------------------------------------

async def _spread(cluster: production.Cluster, stop: asyncio.Event, seen: list[list[int]]) -> None:
    """The busiest sample of open connections per worker while a run goes on."""
    while not stop.is_set():
        ports = await asyncio.to_thread(cluster.socket_ports)
        if len(ports) > len(seen[0]):
            seen[0] = ports
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


async def throughput(cluster: production.Cluster, args: argparse.Namespace) -> tuple[str, int]:
    """The report of part 1 and its number of failed taps."""
    app = shape_app(cluster)
    subscribers = apps.Subscribers(cluster.database_url)
    people = await asyncio.to_thread(subscribers.make, args.clients)
    pager = InvoicesPager(subscribers, people)
    pager.ssl = cluster.ssl_context()
    totals = {1: Run("1 worker", args.clients), 2: Run("2 workers", args.clients)}
    spread: dict[int, list[int]] = {}
    roles: dict[int, dict[str, float]] = {1: {}, 2: {}}
    for round_no in range(args.rounds):
        for workers in ((1, 2) if round_no % 2 == 0 else (2, 1)):
            await asyncio.to_thread(cluster.use_workers, workers)
            stop, seen = asyncio.Event(), [[]]
            watcher = asyncio.create_task(_spread(cluster, stop, seen))
            try:
                profile = args.profile if args.profile and round_no == 0 and workers == 1 else None
                run = await measure(app, pager, args.clients, seconds=args.seconds, max_events=args.max_events,
                                    parallel=args.connect_parallel, profile=profile)
            finally:
                stop.set()
                await watcher
            totals[workers].add(run)
            for role, used in app.last_window().items():
                role = "workers" if role.startswith("worker ") else role
                roles[workers][role] = roles[workers].get(role, 0.0) + used
            spread[workers] = [seen[0].count(port) for port in cluster.backend_ports]
            print(f"  round {round_no + 1}, {workers} worker(s): {run.rate:.1f} events/s, p95 {run.pct(95) * 1000:.1f} ms, "
                  f"{run.cpu_per_event * 1000:.2f} ms server CPU/event, tabs per worker {spread[workers]}, "
                  f"{run.errors} errors (load average {_loadavg()})", flush=True)
    one, two = totals[1], totals[2]
    lines = [f"1 worker against 2, N = {args.clients} signed-in tabs through nginx, {args.rounds} x {args.seconds:.0f} s each",
             f"  {'workers':<9} {'events/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'cpu ms':>7} "
             f"{'client':>7} {'events':>7} {'err':>4}  tabs per worker"]
    for workers, run in totals.items():
        lines.append(f"  {workers:<9} {run.rate:9.1f} {_ms(run.pct(50))} {_ms(run.pct(95))} {_ms(run.pct(99))} "
                     f"{_ms(run.cpu_per_event)} {_ms(run.client_cpu / run.events if run.events else float('nan'))} "
                     f"{run.events:7d} {run.errors:4d}  {spread.get(workers)}")
    lines.append("  CPU the workers got, in cores (1.0 = one core all the time): " + "; ".join(
        f"{workers} worker(s) {roles[workers].get('workers', 0.0) / run.seconds:.2f}"
        for workers, run in totals.items() if run.seconds))
    lines.append("  server CPU per event by process, ms: " + "; ".join(
        f"{workers} worker(s): " + ", ".join(f"{role} {used / run.events * 1000:.2f}" for role, used in roles[workers].items())
        for workers, run in totals.items() if run.events))
    ratio = two.rate / one.rate if one.rate else float("nan")
    lines.append(f"  2 workers / 1 worker: {ratio:.2f}x events/s (goal >= 1.6x), p95 {two.pct(95) / one.pct(95):.2f}x, "
                 f"server CPU/event {two.cpu_per_event / one.cpu_per_event:.2f}x")
    # What these costs allow on an otherwise idle machine: a worker is one process (Python: at most
    # about one core), and every event also needs the other server processes and this client.
    cores = os.cpu_count() or 1

    def ceiling(workers: int, run: Run) -> float:
        worker_ms = roles[workers].get("workers", 0.0) / run.events * 1000
        all_ms = run.cpu_per_event * 1000 + run.client_cpu / run.events * 1000
        return min(workers * 1000 / worker_ms, cores * 1000 / all_ms)

    if one.events and two.events:
        lines.append(f"  CPU-bound ceiling on {cores} idle cores at these costs: 1 worker {ceiling(1, one):.0f} events/s, "
                     f"2 workers {ceiling(2, two):.0f} events/s ({ceiling(2, two) / ceiling(1, one):.2f}x)")
    return "\n".join(lines), one.errors + two.errors


# --- part 2: idle sessions on one worker -----------------------------------------------------------

def make_sessions(database_url: str, user_ids: list[int], count: int) -> list[str]:
    """`count` new session rows, round robin over `user_ids`, made with the portal's own
    `auth.open_session` (a fresh random token each, only its hash stored), in batches."""
    from sqlmodel import Session

    from portal_app.models import make_engine, utcnow
    from portal_app.services.identity import auth

    engine = make_engine(database_url)
    tokens: list[str] = []
    try:
        while len(tokens) < count:
            with Session(engine) as db:
                now = utcnow()
                for _ in range(min(500, count - len(tokens))):
                    made = auth.open_session(db, now=now, client_ip="127.0.0.1", user_agent="bench/scale.py",
                                             user_id=user_ids[len(tokens) % len(user_ids)])
                    tokens.append(made.token)
                db.commit()
    finally:
        engine.dispose()
    return tokens


def _holder(conn: Connection, base_url: str, web_dir: str, cafile: str, parallel: int) -> None:
    """A client process holding idle tabs: opens the tabs it is sent, answers with how it went,
    keeps them connected until told to close."""
    raise_open_files()

    async def hold() -> None:
        app = apps.running(base_url, "", Path(web_dir))
        context = ssl.create_default_context(cafile=cafile)
        tabs: list[Tab] = []
        while True:
            message = await asyncio.to_thread(conn.recv)
            if message[0] == "close":
                await _close_tabs(tabs)
                conn.send(("closed", len(tabs)))
                return
            tokens = message[1]
            try:
                opened, times = await _open_tabs(app, SessionTabs(tokens, context), len(tokens), parallel=parallel)
            except Exception as problem:  # reported to the parent, which stops the idle part
                conn.send(("failed", repr(problem)[:500]))
                continue
            tabs += opened
            conn.send(("opened", len(opened), times))

    asyncio.run(hold())


@dataclass
class Step:
    idle: int
    run: Run
    rss: int
    redis: int
    open_seconds: float
    load: str
    idle_cpu: float  # the worker's CPU share while only the idle tabs were open (1.0 = one core)


async def idle_sessions(cluster: production.Cluster, args: argparse.Namespace) -> tuple[str, int]:
    """The report of part 2 and its number of failures (taps, and idle tabs that did not open)."""
    import redis

    await asyncio.to_thread(cluster.use_workers, 1)
    worker = cluster.backend_ports[0]
    app = shape_app(cluster)
    subscribers = apps.Subscribers(cluster.database_url)
    pool = await asyncio.to_thread(subscribers.make, args.idle_subscribers + args.active)
    active = InvoicesPager(subscribers, pool[:args.active])
    active.ssl = cluster.ssl_context()
    steps = [k for k in args.idle if k <= args.idle_limit]
    tokens = await asyncio.to_thread(make_sessions, cluster.database_url,
                                     [p.user_id for p in pool[args.active:]], max(steps, default=0))
    store = redis.Redis.from_url(cluster.redis_url)
    context = multiprocessing.get_context("spawn")
    holders = []
    for _ in range(args.idle_procs):
        mine, theirs = context.Pipe()
        process = context.Process(target=_holder, args=(theirs, cluster.base_url, str(cluster.web_dir),
                                                        str(cluster.cert), args.connect_parallel), daemon=True)
        process.start()
        holders.append((process, mine))
    results: list[Step] = []
    held = failures = 0
    try:
        for k in [0, *steps]:
            began = time.perf_counter()
            batch = tokens[held:k]
            shares = [batch[i::len(holders)] for i in range(len(holders))]
            for (_, conn), share in zip(holders, shares):
                conn.send(("open", share))
            failed = []
            for _, conn in holders:
                answer = await asyncio.to_thread(conn.recv)
                if answer[0] == "failed":
                    failed.append(answer[1])
                else:
                    held += answer[1]
            opened_in = time.perf_counter() - began
            if failed:
                print(f"  idle tabs failed to open at K = {k}: {failed[0]}", flush=True)
                failures += len(failed)
                break
            await asyncio.sleep(args.quiet)  # let the last loads settle
            on_worker = cluster.socket_ports().count(worker)
            before, watched = cluster.cpu_by_role()[f"worker {worker}"], time.perf_counter()
            await asyncio.sleep(args.quiet)  # what holding the idle tabs costs the worker, nothing else going on
            idle_cpu = (cluster.cpu_by_role()[f"worker {worker}"] - before) / (time.perf_counter() - watched)
            run = await measure(app, active, args.active, seconds=args.idle_seconds, max_events=args.max_events,
                                parallel=args.connect_parallel)
            step = Step(idle=held, run=run, rss=cluster.backend_rss(worker), idle_cpu=idle_cpu,
                        redis=int(store.info("memory")["used_memory"]), open_seconds=opened_in, load=_loadavg())
            results.append(step)
            failures += run.errors
            print(f"  {held} idle tabs ({on_worker} sockets on the worker, opened in {opened_in:.0f} s): "
                  f"active p95 {run.pct(95) * 1000:.1f} ms, {run.rate:.1f} events/s, worker RSS "
                  f"{step.rss / 2**20:.0f} MB, Redis {step.redis / 2**20:.0f} MB, worker CPU while idle "
                  f"{step.idle_cpu * 100:.1f}%, {run.errors} errors "
                  f"(load average {step.load})", flush=True)
            if run.pct(95) > args.p95_limit_ms / 1000 * 4:
                print("  p95 far past the goal: stopping the steps", flush=True)
                break
    finally:
        for _, conn in holders:
            conn.send(("close",))
        for process, conn in holders:
            if conn.poll(120):
                conn.recv()
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        store.close()
    base = results[0] if results else None
    lines = [f"idle sessions on one worker: {args.active} active tabs tapping the pager for {args.idle_seconds:.0f} s "
             f"at each step, {args.idle_procs} client processes holding the idle tabs",
             f"  {'idle':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'events/s':>9} {'RSS MB':>7} {'KB/idle':>8} "
             f"{'Redis MB':>9} {'KB/idle':>8} {'idle CPU':>8} {'open s':>7}  load average"]
    for step in results:
        per_rss = (step.rss - base.rss) / step.idle / 1024 if step.idle and base else float("nan")
        per_redis = (step.redis - base.redis) / step.idle / 1024 if step.idle and base else float("nan")
        lines.append(f"  {step.idle:6d} {_ms(step.run.pct(50))} {_ms(step.run.pct(95))} {_ms(step.run.pct(99))} "
                     f"{step.run.rate:9.1f} {step.rss / 2**20:7.0f} {per_rss:8.1f} {step.redis / 2**20:9.1f} "
                     f"{per_redis:8.1f} {step.idle_cpu * 100:7.1f}% {step.open_seconds:7.0f}  {step.load}")
    good = [s.idle for s in results if s.run.pct(95) < args.p95_limit_ms / 1000 and not s.run.errors]
    lines.append(f"  most idle tabs with p95 < {args.p95_limit_ms:.0f} ms: {max(good) if good else 0} (goal >= 2,000)")
    return "\n".join(lines), failures


# --- the whole benchmark ------------------------------------------------------------------------

def postgres_server() -> str:
    if url := os.environ.get("BENCH_POSTGRES_URL"):
        return url
    out = subprocess.run(["bash", "scripts/test-services.sh"], cwd=production.PROJECT_ROOT, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


async def bench(args: argparse.Namespace) -> int:
    files = raise_open_files()
    print(f"machine: {os.cpu_count()} cores, {_cpu_model()}, load average {_loadavg()}, open files {files}",
          flush=True)
    work = Path(tempfile.mkdtemp(prefix="portal-scale-"))
    node_modules = Path(os.environ.get("BENCH_NODE_MODULES", production.PROJECT_ROOT / ".web" / "node_modules"))
    results: list[str] = []
    failures = 0
    began = time.monotonic()
    with production.shape(work, postgres_server(), backends=2, node_modules=node_modules,
                          env={"GRANIAN_WORKERS": "1"}) as cluster:
        print(f"  production shape up in {time.monotonic() - began:.0f} s at {cluster.base_url}, workers on "
              f"{list(cluster.backend_ports)} (load average {_loadavg()})", flush=True)
        for skip, part in ((args.skip_throughput, throughput), (args.skip_idle, idle_sessions)):
            if not skip:
                report, failed = await part(cluster, args)
                results.append(report)
                failures += failed
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    print()
    print("events/s: answered pager events per second, all tabs together; p50/p95/p99: one event's round trip;")
    print("cpu ms: server CPU per event (workers, nginx, Redis, PostgreSQL); client: this script's CPU per event;")
    print("RSS: the worker's resident memory (its process tree); KB/idle: growth over K = 0, per idle tab.")
    print("\n\n".join(results))
    print(f"\nload average at the end: {_loadavg()}")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=60, help="active tabs for 1 against 2 workers (default 60)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per worker count, interleaved (default 2)")
    parser.add_argument("--max-events", type=int, default=20000, help="events per tab per run at most")
    parser.add_argument("--connect-parallel", type=int, default=10, help="tabs connecting at once (per process)")
    parser.add_argument("--idle", default="250,500,1000,2000,3000",
                        help="idle tab counts held on one worker, in steps (default 250,500,1000,2000,3000)")
    parser.add_argument("--idle-limit", type=int, default=2000, help="no step above this many idle tabs (default 2000)")
    parser.add_argument("--active", type=int, default=5, help="active tabs tapping during the idle steps (default 5)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="measured seconds per idle step (default 10)")
    parser.add_argument("--idle-procs", type=int, default=4, help="client processes holding the idle tabs (default 4)")
    parser.add_argument("--idle-subscribers", type=int, default=50,
                        help="subscribers the idle tabs' sessions belong to, round robin (default 50)")
    parser.add_argument("--quiet", type=float, default=3.0,
                        help="seconds to wait after opening idle tabs, then to watch the worker's idle CPU (default 3)")
    parser.add_argument("--p95-limit-ms", type=float, default=250.0, help="the idle goal's p95 (default 250 ms)")
    parser.add_argument("--skip-throughput", action="store_true", help="only the idle sessions")
    parser.add_argument("--skip-idle", action="store_true", help="only 1 against 2 workers")
    parser.add_argument("--profile", type=Path, help="py-spy the worker in the first 1-worker run into this folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (build, logs)")
    args = parser.parse_args()
    args.idle = sorted(int(n) for n in args.idle.split(",") if n.strip())
    sys.exit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
