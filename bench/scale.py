"""Scale-out figures on the production shape (README "Production shape", issue 13): PostgreSQL,
Redis, nginx with TLS and two backend workers, started by bench/production.py the way
scripts/run-production.sh runs them, all on 127.0.0.1.

    .venv/bin/python bench/scale.py                        # both parts, default settings (a few minutes)
    .venv/bin/python bench/scale.py --clients 60 --seconds 10 --rounds 2 --idle 250,500,1000,2000
    .venv/bin/python bench/scale.py --skip-idle            # only 1 against 2 workers
    .venv/bin/python bench/scale.py --skip-idle --profile /tmp/scale-profile   # + py-spy of one worker
    .venv/bin/python bench/scale.py --skip-throughput --skip-idle --wave 250,500,1000,2000   # only the wave
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
3. **The reconnect wave** (`--wave K,...`): K idle tabs as in part 2 on the first worker; nginx is
   then told to send new connections to the second only (what it does by itself for a worker that
   refuses connections, without taking the restarted one back meanwhile: the survivor takes the
   whole wave), a few active tabs open on the second and tap the pager every `--wave-pause` seconds,
   and the first worker's process group gets SIGKILL. Every idle tab reconnects as the browser's
   Reflex client does (bench/reflex_client.py: same tab token and cookie, a full hydrate, backoff on
   failed attempts). It prints the seconds from the kill until each tab is loaded again
   (p50/p95/max), tabs that needed more than one attempt, failed or were sent to sign in, the active
   tabs' p95 before, during and after the wave, the survivor's CPU and resident memory, and the CPU
   the bench's own client processes took during the wave.

It states the machine and its load average; it stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
import psutil  # noqa: E402
from yarl import URL  # noqa: E402

from bench import apps, production  # noqa: E402
from bench.load import InvoicesPager, Run, Scenario, _close_tabs, _cpu_model, _loadavg, _ms, _open_tabs, measure  # noqa: E402
from bench.reflex_client import Tab, TabError  # noqa: E402
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
    keeps them connected (a dropped one reconnects as the browser's does: bench/reflex_client.py)
    until told to close; tells how its tabs came back after drops ("status", "report")."""
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
            if message[0] == "status":  # tabs that dropped, came back (or were sent to sign in), gave up
                dropped = [tab for tab in tabs if tab.reconnects]
                conn.send(("status", len(dropped), sum(t.reconnects[-1].loaded_at is not None for t in dropped),
                           sum(t.reconnects[-1].loaded_at is None and not t.coming_back for t in dropped)))
                continue
            if message[0] == "report":
                conn.send(("report", [[(r.lost_at, r.loaded_at, r.attempts, r.signed_out, r.problems[:1])
                                       for r in tab.reconnects] for tab in tabs]))
                continue
            tokens = message[1]
            try:
                opened, times = await _open_tabs(app, SessionTabs(tokens, context), len(tokens), parallel=parallel)
            except Exception as problem:  # reported to the parent, which stops the idle part
                conn.send(("failed", repr(problem)[:500]))
                continue
            tabs += opened
            conn.send(("opened", len(opened), times))

    asyncio.run(hold())


Holders = list[tuple[multiprocessing.process.BaseProcess, Connection]]


def start_holders(cluster: production.Cluster, args: argparse.Namespace) -> Holders:
    context = multiprocessing.get_context("spawn")
    holders = []
    for _ in range(args.idle_procs):
        mine, theirs = context.Pipe()
        process = context.Process(target=_holder, args=(theirs, cluster.base_url, str(cluster.web_dir),
                                                        str(cluster.cert), args.connect_parallel), daemon=True)
        process.start()
        holders.append((process, mine))
    return holders


async def ask_holders(holders: Holders, message: tuple) -> list[tuple]:
    for _, conn in holders:
        conn.send(message)
    return [await asyncio.to_thread(conn.recv) for _, conn in holders]


async def open_idle(holders: Holders, batch: list[str]) -> tuple[int, list[str]]:
    """Open a tab for each session token, spread over the holders: (tabs opened, failures)."""
    shares = [batch[i::len(holders)] for i in range(len(holders))]
    for (_, conn), share in zip(holders, shares):
        conn.send(("open", share))
    opened, failed = 0, []
    for _, conn in holders:
        answer = await asyncio.to_thread(conn.recv)
        if answer[0] == "failed":
            failed.append(answer[1])
        else:
            opened += answer[1]
    return opened, failed


def stop_holders(holders: Holders) -> None:
    for _, conn in holders:
        conn.send(("close",))
    for process, conn in holders:
        if conn.poll(120):
            conn.recv()
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


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
    holders = start_holders(cluster, args)
    results: list[Step] = []
    held = failures = 0
    try:
        for k in [0, *steps]:
            began = time.perf_counter()
            opened, failed = await open_idle(holders, tokens[held:k])
            held += opened
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
        await asyncio.to_thread(stop_holders, holders)
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


# --- part 3: the reconnect wave when a worker dies --------------------------------------------------

def _usage(processes: list[psutil.Process]) -> tuple[float, int]:
    """CPU seconds used so far and resident memory of some processes (one worker's tree, the client's)."""
    cpu, rss = 0.0, 0
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss
    return cpu, rss


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Wave:
    idle: int  # tabs held on the first worker when it was killed
    opened_in: float
    back: list[float]  # per tab that came back: seconds from the kill until its page was loaded again
    dropped: list[float]  # per tab: seconds from the kill until its client saw the connection close
    attempts: list[int]  # per tab that came back: connection attempts
    failed: int  # did not come back (gave up, or still trying at --wave-timeout)
    signed_out: int  # came back on the sign-in page
    never_dropped: int  # kept their connection (must be 0: the worker is dead)
    on_survivor: int  # sockets on the surviving worker after the wave (idle + active tabs)
    taps: dict[str, list[float]]  # the active tabs' latencies before, during and after the wave
    tap_errors: int
    tap_problems: list[str]  # the first few unanswered taps, and the active tabs' own dropped connections
    cpu: dict[str, float]  # the surviving worker's CPU share (1.0 = one core) before, during, after
    peak_cpu: float  # its busiest second during the wave
    rss: dict[str, int]  # its resident memory before, at the peak of, and after the wave
    client_cpu: float  # the client processes' (holders and this one) CPU share during the wave
    restarted_in: float | None  # seconds until the run script had the killed worker answering again
    load: str
    duration: float = 0.0  # from the kill until the last tab was back (or --wave-timeout)

    @property
    def cpu_per_tab(self) -> float:
        """The survivor's CPU seconds during the wave per returning tab (its active tabs' taps included)."""
        return self.cpu["during"] * self.duration / max(self.idle, 1)


async def _tap_on(tab: Tab, pager: InvoicesPager, taps: list[tuple[float, float]], errors: list[str],
                  stop: asyncio.Event, pause: float) -> None:
    """One active tab tapping the pager, `pause` seconds between an answer and the next tap (a person
    reading the page), until `stop`: (time answered, latency) each."""
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        if stop.is_set():
            return
        name, payload, done = pager.next_event(tab)
        try:
            latency = await tab.call(name, payload, done)
        except TabError as problem:
            errors.append(str(problem))
            await asyncio.sleep(1.0)
            continue
        taps.append((time.monotonic(), latency))


async def _restarted(port: int, since: float, found: list[float]) -> None:
    """Seconds from `since` until the worker on `port` answers /readyz again (the run script's restart)."""
    url = f"http://{production.HOST}:{port}/readyz"
    while not await asyncio.to_thread(production.ready, url):
        await asyncio.sleep(0.5)
    found.append(time.monotonic() - since)


async def one_wave(cluster: production.Cluster, args: argparse.Namespace, tokens: list[str],
                   pager: InvoicesPager) -> Wave:
    first, second = cluster.backend_ports[:2]
    url = f"http://{production.HOST}:{first}/readyz"
    deadline = time.monotonic() + 180
    while not await asyncio.to_thread(production.ready, url):  # after an earlier wave: its restart
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker on {first} did not come back")
        await asyncio.sleep(1)
    await asyncio.to_thread(cluster.use_workers, 1)  # every new tab to the first worker
    holders = await asyncio.to_thread(start_holders, cluster, args)
    active: list[Tab] = []
    tappers: list[asyncio.Task] = []
    stop = asyncio.Event()
    try:
        began = time.monotonic()
        held, failed = await open_idle(holders, tokens)
        opened_in = time.monotonic() - began
        if failed:
            raise RuntimeError(f"idle tabs failed to open: {failed[0]}")
        await asyncio.sleep(args.quiet)
        # nginx as it is once the first worker is dead: new connections to the second only (it would
        # skip a refusing worker by itself, max_fails=1, and take it back when the run script has it up
        # again; marked down, the survivor takes the whole wave: the case to size for). The idle tabs'
        # websockets stay on the old nginx processes until they close.
        await asyncio.to_thread(cluster.use_workers, 0, only=(second,))
        on_first = cluster.socket_ports().count(first)
        active, _ = await _open_tabs(shape_app(cluster), pager, args.active, parallel=args.connect_parallel)
        taps: list[tuple[float, float]] = []
        errors: list[str] = []
        tappers = [asyncio.create_task(_tap_on(tab, pager, taps, errors, stop, args.wave_pause))
                   for tab in active]
        survivor = cluster.backend_processes(second)
        clients = [psutil.Process(), *(psutil.Process(process.pid) for process, _ in holders)]
        cpu0, rss_before = _usage(survivor)
        watched = time.monotonic()
        await asyncio.sleep(args.wave_before)
        cpu1, _ = _usage(survivor)
        client0, _ = _usage(clients)
        print(f"  K = {held}: {on_first} sockets on the killed worker, opened in {opened_in:.0f} s; killing it "
              f"(load average {_loadavg()})", flush=True)
        killed = time.monotonic()
        cluster.kill_backend(first)
        restart: list[float] = []
        restart_watch = asyncio.create_task(_restarted(first, killed, restart))
        samples = [(killed, cpu1, rss_before)]
        while time.monotonic() - killed < args.wave_timeout:
            await asyncio.sleep(0.5)
            cpu, rss = _usage(survivor)
            samples.append((time.monotonic(), cpu, rss))
            statuses = await ask_holders(holders, ("status",))
            dropped, back, gave_up = (sum(answer[i] for answer in statuses) for i in (1, 2, 3))
            if dropped >= held and back + gave_up >= held:
                break
        ended = time.monotonic()
        client1, _ = _usage(clients)
        cpu2 = samples[-1][1]
        await asyncio.sleep(args.wave_after)
        cpu3, rss_after = _usage(survivor)
        after_end = time.monotonic()
        stop.set()
        await asyncio.gather(*tappers)
        restart_watch.cancel()
        reports = await ask_holders(holders, ("report",))
        on_second = cluster.socket_ports().count(second)
    finally:
        stop.set()
        for task in tappers:
            task.cancel()
        await _close_tabs(active)
        await asyncio.to_thread(stop_holders, holders)
    back_times, attempts, dropped_times = [], [], []
    failed_tabs = signed_out = never = 0
    for _, tab_records in reports:
        for records in tab_records:
            if not records:
                never += 1
                continue
            lost_at, loaded_at, tries, was_signed_out, _problems = records[-1]
            dropped_times.append(lost_at - killed)
            if loaded_at is None:
                failed_tabs += 1
            elif was_signed_out:
                signed_out += 1
            else:
                back_times.append(loaded_at - killed)
                attempts.append(tries)
    busiest = max(((b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:]) if b[0] > a[0]), default=0.0)
    taps_by = {"before": [lat for at, lat in taps if at < killed],
               "during": [lat for at, lat in taps if killed <= at <= ended],
               "after": [lat for at, lat in taps if at > ended]}
    return Wave(idle=held, opened_in=opened_in, back=back_times, dropped=dropped_times, attempts=attempts, failed=failed_tabs,
                signed_out=signed_out, never_dropped=never, on_survivor=on_second, taps=taps_by,
                tap_errors=len(errors),
                tap_problems=errors[:3] + [f"active tab dropped: {r.reason}, back after "
                                           f"{(r.loaded_at or float('nan')) - r.lost_at:.1f} s"
                                           for tab in active for r in tab.reconnects],
                cpu={"before": (cpu1 - cpu0) / (killed - watched), "during": (cpu2 - cpu1) / max(ended - killed, 1e-9),
                     "after": (cpu3 - cpu2) / (after_end - ended)},
                peak_cpu=min(busiest, 99.0), rss={"before": rss_before, "peak": max(s[2] for s in samples),
                                                  "after": rss_after},
                client_cpu=(client1 - client0) / max(ended - killed, 1e-9),
                restarted_in=restart[0] if restart else None, load=_loadavg(), duration=ended - killed)


async def reconnect_wave(cluster: production.Cluster, args: argparse.Namespace) -> tuple[str, int]:
    """The report of part 3 and its number of failures (tabs that did not come back or came back
    signed out, failed taps)."""
    subscribers = apps.Subscribers(cluster.database_url)
    pool = await asyncio.to_thread(subscribers.make, args.idle_subscribers + args.active)
    pager = InvoicesPager(subscribers, pool[:args.active])
    pager.ssl = cluster.ssl_context()
    tokens = await asyncio.to_thread(make_sessions, cluster.database_url,
                                     [p.user_id for p in pool[args.active:]], max(args.wave))
    waves: list[Wave] = []
    failures = 0
    try:
        for k in args.wave:
            wave = await one_wave(cluster, args, tokens[:k], pager)
            waves.append(wave)
            failures += wave.failed + wave.signed_out + wave.never_dropped + wave.tap_errors
            for problem in wave.tap_problems:
                print(f"    {problem[:600]}", flush=True)
            print(f"  K = {wave.idle}: all back on the surviving worker in {max(wave.back, default=float('nan')):.1f} s "
                  f"(p50 {_pct(wave.back, 50):.1f} s, p95 {_pct(wave.back, 95):.1f} s), {wave.failed} failed, "
                  f"{wave.signed_out} signed out, active p95 during {_pct(wave.taps['during'], 95) * 1000:.0f} ms, "
                  f"survivor CPU {wave.cpu['during'] * 100:.0f}%, client CPU {wave.client_cpu * 100:.0f}% "
                  f"(load average {wave.load})", flush=True)
    finally:
        await asyncio.to_thread(cluster.use_workers, 2)
    lines = [f"the reconnect wave: K idle tabs on one worker (SIGKILL to its process group), nginx sending new "
             f"connections to the other; {args.active} active tabs on the survivor tapping the pager",
             f"  {'K':>5} {'drop s':>6} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'tries>1':>7} {'tries>2':>7} {'failed':>6} "
             f"{'signin':>6} {'on B':>5} {'ms/tab':>6} {'KB/tab':>6}  {'active p95 ms before/during/after':>33} {'err':>3}  {'B CPU before/during/peak/after':>30}  "
             f"{'B RSS MB before/peak/after':>26} {'client':>6} {'restart':>7}  load average"]
    for w in waves:
        p95 = "/".join(f"{_pct(w.taps[part], 95) * 1000:.0f}" for part in ("before", "during", "after"))
        cpu = "/".join(f"{w.cpu[part] * 100:.0f}%" for part in ("before", "during")) + \
            f"/{w.peak_cpu * 100:.0f}%/{w.cpu['after'] * 100:.0f}%"
        rss = "/".join(f"{w.rss[part] / 2**20:.0f}" for part in ("before", "peak", "after"))
        restart = f"{w.restarted_in:.0f} s" if w.restarted_in is not None else "-"
        lines.append(f"  {w.idle:5d} {max(w.dropped, default=float('nan')):6.1f} {_pct(w.back, 50):6.1f} {_pct(w.back, 95):6.1f} {max(w.back, default=float('nan')):6.1f} "
                     f"{sum(a > 1 for a in w.attempts):7d} {sum(a > 2 for a in w.attempts):7d} {w.failed:6d} "
                     f"{w.signed_out:6d} {w.on_survivor:5d} {w.cpu_per_tab * 1000:6.1f} "
                     f"{(w.rss['peak'] - w.rss['before']) / max(w.idle, 1) / 1024:6.0f}  {p95:>33} {w.tap_errors:3d}  "
                     f"{cpu:>30}  {rss:>26} "
                     f"{w.client_cpu * 100:5.0f}% {restart:>7}  {w.load}")
    lines.append("  drop: seconds from the kill until the last tab saw its connection close; "
                 "p50/p95/max: seconds from the kill until a tab was connected, hydrated and loaded again; tries>1, "
                 "tries>2: tabs that needed more than one connection attempt, more than two; signin: tabs sent to "
                 "sign in (must be 0); on B: sockets on the survivor after the wave; ms/tab: the survivor's CPU during "
                 "the wave per returning tab; KB/tab: its peak memory growth per returning tab; err: active taps "
                 "not answered in 30 s; CPU in cores x 100; client: "
                 "the bench's own processes during the wave; restart: until the run script had the killed worker "
                 "answering again")
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
        for skip, part in ((args.skip_throughput, throughput), (args.skip_idle, idle_sessions),
                           (not args.wave, reconnect_wave)):
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
    parser.add_argument("--wave", default="",
                        help="also the reconnect wave: idle tab counts on the worker that is killed, e.g. 250,500,1000")
    parser.add_argument("--wave-pause", type=float, default=1.0,
                        help="seconds an active tab waits between an answer and its next tap in the wave (default 1)")
    parser.add_argument("--wave-before", type=float, default=5.0,
                        help="seconds the active tabs tap on the survivor before the kill (default 5)")
    parser.add_argument("--wave-after", type=float, default=10.0,
                        help="seconds they tap after the last tab is back (default 10)")
    parser.add_argument("--wave-timeout", type=float, default=300.0,
                        help="seconds after the kill when tabs not back count as failed (default 300)")
    parser.add_argument("--skip-throughput", action="store_true", help="only the idle sessions")
    parser.add_argument("--skip-idle", action="store_true", help="only 1 against 2 workers")
    parser.add_argument("--profile", type=Path, help="py-spy the worker in the first 1-worker run into this folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (build, logs)")
    args = parser.parse_args()
    args.idle = sorted(int(n) for n in args.idle.split(",") if n.strip())
    args.wave = sorted(int(n) for n in args.wave.split(",") if n.strip())
    sys.exit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
