"""Load: N signed-in tabs tapping the Invoices pager back to back, against a blank Reflex counter app
built and run in the same script, on the same machine, interleaved.

    .venv/bin/python bench/load.py                     # N = 1, 10, 100; builds and starts both apps
    .venv/bin/python bench/load.py --clients 1,10,100,300 --seconds 15 --rounds 3
    .venv/bin/python bench/load.py --profile /tmp/profile   # also py-spy the portal at the largest N
    .venv/bin/python bench/load.py --no-db   # also the same tabs on a handler without database work (the language choice)
    BENCH_POSTGRES_URL=$(bash scripts/test-services.sh | tail -1) .venv/bin/python bench/load.py  # on PostgreSQL
    .venv/bin/python -m bench.apps --serve /tmp/apps.json &   # keep both apps up, then, repeatedly:
    .venv/bin/python bench/load.py --attach /tmp/apps.json --clients 10 --seconds 5

Each portal tab is a subscriber of its own (a copy of the residential demo subscriber: two pages of
invoices) with a real session cookie in a cookie jar of its own; it opens /invoices, hydrates, waits
for the on_load work to finish, then sends the pager's `go_to` (pages 2, 1, 2, ...) and waits for its
answer, again and again, for `--seconds`. Each blank-app tab opens / and sends `increment`. The
portal's and the blank app's runs alternate (the order flips every round). It prints events per
second, p50/p95/p99 latency, the server's CPU seconds per event (psutil, the backend's whole process
tree, plus the PostgreSQL processes serving it) and the portal's ratios to the blank app. 127.0.0.1 only; it stops both apps at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import psutil  # noqa: E402

from bench import apps  # noqa: E402
from bench.reflex_client import Delta, Tab, TabError, find_state  # noqa: E402

PAGER_STATE = "invoices_state"  # the Invoices page's state (portal_app/state/statements.py)
LANGUAGE_STATE, LANGUAGE_FIELD = "language_state", "lang_rx_state_"  # portal_app/state/language.py
SIGNED_IN = "signed_in_rx_state_"


# --- what a tab does on each app ----------------------------------------------------------------

class Scenario:
    """How a tab opens its page and taps its button, and how it knows the answer arrived."""

    name: str
    path: str
    ssl: ssl.SSLContext | None = None  # an https app's certificate check (bench/scale.py: the proxy's own)

    async def jar(self, app: apps.RunningApp, index: int) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(ssl=self.ssl) if self.ssl is not None else None
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector)

    def loaded(self, state: Delta) -> bool:
        raise NotImplementedError

    def next_event(self, tab: Tab) -> tuple[str, dict[str, Any], Callable[[Delta], bool]]:
        raise NotImplementedError


class InvoicesPager(Scenario):
    name, path = "portal", "/invoices"

    def __init__(self, subscribers: apps.Subscribers, people: list[apps.Subscriber]) -> None:
        self.subscribers = subscribers
        self.people = people

    async def jar(self, app: apps.RunningApp, index: int) -> aiohttp.ClientSession:
        """Sign in as subscriber `index` in a fresh cookie jar, the way a browser ends up signed in:
        a page load sets the pre-session cookie, the sign-in ticket is bound to it, and
        /auth/session/start swaps the ticket for the HttpOnly session cookie, then opens /invoices."""
        http = await super().jar(app, index)
        try:
            async with http.get(f"{app.base_url}/signin") as response:
                response.raise_for_status()
            presession = {c.key: c.value for c in http.cookie_jar}.get("portal_presession")
            if not presession:
                raise TabError("the sign-in page set no pre-session cookie")
            person = self.people[index % len(self.people)]
            ticket = await asyncio.to_thread(self.subscribers.ticket, person, presession)
            async with http.get(f"{app.base_url}/auth/session/start",
                                params={"ticket": ticket, "next": self.path}) as response:
                response.raise_for_status()
                if response.url.path.rstrip("/") != self.path:
                    raise TabError(f"sign-in ended at {response.url}, not {self.path}")
            if "portal_session" not in {c.key for c in http.cookie_jar}:
                raise TabError("no session cookie after /auth/session/start")
        except BaseException:
            await http.close()
            raise
        return http

    def loaded(self, state: Delta) -> bool:
        key = find_state(state, PAGER_STATE)
        if key is None or not state[key].get("invoices_rx_state_"):
            return False
        signed_in = any(fields.get(SIGNED_IN) for fields in state.values())
        return signed_in and state[key].get("pages_rx_state_", 1) >= 2

    def next_event(self, tab: Tab):
        key = find_state(tab.state, PAGER_STATE)
        target = 1 if tab.state[key].get("page_rx_state_", 1) == 2 else 2
        return f"{key}.go_to", {"page": target}, lambda delta: delta.get(key, {}).get("page_rx_state_") == target


class LanguageToggle(InvoicesPager):
    """The same signed-in /invoices tabs, tapping a portal handler that reads no database: the tab's language
    choice (LanguageState.choose_language, English and Spanish in turn). What the portal's event costs before
    any database work: Reflex with the portal's state tree, the tab guard, the event's answer."""

    name = "no-db"

    def next_event(self, tab: Tab):
        # The Invoices page's state sits under the session's, which sits under the language's (sent only once changed).
        key = find_state(tab.state, PAGER_STATE).rsplit(".", 2)[0]
        assert key.endswith(LANGUAGE_STATE), key
        target = "es" if tab.state.get(key, {}).get(LANGUAGE_FIELD) != "es" else "en"
        return f"{key}.choose_language", {"lang": target}, lambda delta: delta.get(key, {}).get(LANGUAGE_FIELD) == target


class Counter(Scenario):
    name, path = "blank", "/"
    FIELD = "count_rx_state_"

    def loaded(self, state: Delta) -> bool:
        return True  # no on_load: hydrated is loaded

    def next_event(self, tab: Tab):
        return f"{apps.BLANK_STATE}.increment", {}, lambda delta: self.FIELD in delta.get(apps.BLANK_STATE, {})


# --- one measured run ---------------------------------------------------------------------------

@dataclass
class Run:
    app: str
    clients: int
    events: int = 0
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    load_times: list[float] = field(default_factory=list)

    def add(self, other: Run) -> None:
        self.events += other.events
        self.errors += other.errors
        self.seconds += other.seconds
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        self.latencies += other.latencies
        self.load_times += other.load_times

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    @property
    def cpu_per_event(self) -> float:
        return self.server_cpu / self.events if self.events else float("nan")


async def _open_tabs(app: apps.RunningApp, scenario: Scenario, count: int, *, parallel: int) -> tuple[list[Tab], list[float]]:
    hashes, schema = app.boot_info()
    gate = asyncio.Semaphore(parallel)
    tabs: list[Tab | None] = [None] * count
    times: list[float] = []

    async def one(i: int) -> None:
        async with gate:
            http = await scenario.jar(app, i)
            tab = Tab(app.base_url, scenario.path, http=http, hashes=hashes, state_schema=schema)
            tabs[i] = tab
            times.append(await tab.open(scenario.loaded))

    try:
        await asyncio.gather(*(one(i) for i in range(count)))
    except BaseException:
        await _close_tabs([t for t in tabs if t is not None])
        raise
    return [t for t in tabs if t is not None], times


async def _close_tabs(tabs: list[Tab]) -> None:
    for tab in tabs:
        try:
            await tab.close()
        finally:
            await tab.http.close()


async def measure(app: apps.RunningApp, scenario: Scenario, clients: int, *, seconds: float, max_events: int,
                  parallel: int, profile: Path | None = None) -> Run:
    """Open `clients` tabs, let each tap once (warm-up), then all tap back to back for `seconds`."""
    run = Run(app=scenario.name, clients=clients)
    tabs, run.load_times = await _open_tabs(app, scenario, clients, parallel=parallel)
    try:
        async def tap(tab: Tab) -> float:
            name, payload, done = scenario.next_event(tab)
            return await tab.call(name, payload, done)

        await asyncio.gather(*(tap(tab) for tab in tabs))  # warm-up, not counted
        spy = _start_profile(app, profile, seconds) if profile else None
        me = psutil.Process()
        cpu0, mine0, started = app.cpu_seconds(), sum(me.cpu_times()[:2]), time.perf_counter()
        deadline = started + seconds

        async def hammer(tab: Tab) -> None:
            for _ in range(max_events):
                if time.perf_counter() >= deadline:
                    return
                try:
                    run.latencies.append(await tap(tab))
                except TabError as problem:
                    run.errors += 1
                    print(f"    {scenario.name}: {problem}", flush=True)
                    return
                run.events += 1

        await asyncio.gather(*(hammer(tab) for tab in tabs))
        run.seconds = time.perf_counter() - started
        run.server_cpu = app.cpu_seconds() - cpu0
        run.client_cpu = sum(me.cpu_times()[:2]) - mine0
        if spy is not None:
            _finish_profile(spy, profile)
    finally:
        await _close_tabs(tabs)
    return run


# --- py-spy -------------------------------------------------------------------------------------

def _start_profile(app: apps.RunningApp, out: Path, seconds: float) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("    (py-spy is not installed: no profile)", flush=True)
        return None
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "--pid", str(app.process.pid), "--subprocesses", "--nonblocking", "--threads", "--rate", "200",
         "--duration", str(max(1, int(seconds))), "--format", "raw", "--output", str(out / "portal.collapsed")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finish_profile(spy: subprocess.Popen, out: Path) -> None:
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.terminate()
        spy.wait(timeout=10)
    collapsed = out / "portal.collapsed"
    if collapsed.is_file():
        summary = summarize_profile(collapsed)
        (out / "summary.txt").write_text(summary)
        print(summary, flush=True)


# Leaf frames of a thread that waits: the event loop's select, an idle to_thread worker.
IDLE_LEAVES = ("EpollSelector.select ", "_worker (concurrent/futures/thread.py", "Condition.wait ", "Event.wait ")


def summarize_profile(collapsed: Path, top: int = 20) -> str:
    """Where the backend's busy samples go: event loop vs worker threads (`asyncio.to_thread`), the
    portal's own functions (inclusive: the function and what it calls) and the leaf functions (self)."""
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    kinds: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1].startswith(IDLE_LEAVES):
            continue  # waiting, not working (py-spy's idle detection misses these without blocking)
        kind = ("worker threads (asyncio.to_thread)" if any("concurrent/futures/thread.py" in f for f in frames)
                else "event loop thread" if any("asyncio" in f or "granian" in f for f in frames) else "other")
        kinds[kind] = kinds.get(kind, 0) + count
        total += count
        for name in {_frame_name(f) for f in frames if "portal_app/" in f}:
            inclusive[name] = inclusive.get(name, 0) + count
        name = _frame_name(frames[-1])
        leaf[name] = leaf.get(name, 0) + count

    def share(count: int) -> str:
        return f"{100 * count / max(total, 1):5.1f}%"

    lines = [f"py-spy: {total} samples of the portal's busy backend threads under load", "by thread:"]
    lines += [f"  {share(c)}  {k}" for k, c in sorted(kinds.items(), key=lambda kv: -kv[1])]
    lines.append("portal functions (inclusive):")
    lines += [f"  {share(c)}  {k}" for k, c in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]]
    lines.append("leaf functions (self):")
    lines += [f"  {share(c)}  {k}" for k, c in sorted(leaf.items(), key=lambda kv: -kv[1])[:top]]
    return "\n".join(lines) + "\n"


def _frame_name(frame: str) -> str:
    """"f (pkg/mod.py:12)" -> "f (pkg/mod.py)": one entry per function, not per line."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


# --- the whole benchmark ------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


def report(n: int, blank: Run, *portal_runs: Run) -> str:
    """The runs at N tabs, each portal run with its ratios to the blank app's."""
    def row(run: Run) -> str:
        return (f"  {run.app:<7} {run.rate:9.1f} {_ms(run.pct(50))} {_ms(run.pct(95))} {_ms(run.pct(99))} "
                f"{_ms(run.cpu_per_event)} {_ms(run.client_cpu / run.events if run.events else float('nan'))} "
                f"{_ms(statistics.median(run.load_times) if run.load_times else float('nan'))} "
                f"{run.events:7d} {run.errors:4d}")

    def ratio(run: Run) -> str:
        label = "ratio" if run.app == "portal" else f"{run.app}:"
        return (f"  {label:<7} {run.rate / blank.rate if blank.rate else float('nan'):8.2f}x "
                f"{run.pct(50) / blank.pct(50):6.2f}x {run.pct(95) / blank.pct(95):6.2f}x "
                f"{run.pct(99) / blank.pct(99):6.2f}x {run.cpu_per_event / blank.cpu_per_event:6.2f}x")

    head = (f"N = {n} tabs\n  {'app':<7} {'events/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'cpu ms':>7} {'client':>7} {'load ms':>7} {'events':>7} {'err':>4}")
    runs = [run for run in portal_runs if run.events]
    return "\n".join([head, *(row(run) for run in runs), row(blank), *(ratio(run) for run in runs)])


async def bench(args: argparse.Namespace) -> int:
    print(f"machine: {os.cpu_count()} cores, {_cpu_model()}, load average {_loadavg()}", flush=True)
    failures = 0
    started = contextlib.nullcontext(apps.attach(args.attach)) if args.attach else apps.both(keep=args.keep)
    with started as (portal_app, blank_app):
        subscribers = apps.Subscribers(portal_app.database_url)
        people = await asyncio.to_thread(subscribers.make, max(args.clients))
        pager, counter = InvoicesPager(subscribers, people), Counter()
        scenarios = [pager, counter] + ([LanguageToggle(subscribers, people)] if args.no_db else [])
        print(f"  {len(people)} subscribers with two pages of invoices each; load average {_loadavg()}", flush=True)
        results: list[str] = []
        began = time.monotonic()
        for n in args.clients:
            totals = {scenario.name: Run(scenario.name, n) for scenario in scenarios}
            for round_no in range(args.rounds):
                order = [(blank_app if scenario is counter else portal_app, scenario) for scenario in scenarios]
                if round_no % 2:
                    order.reverse()
                for app, scenario in order:
                    if time.monotonic() - began > args.max_minutes * 60:
                        print("  time limit reached: stopping", flush=True)
                        break
                    profile = (args.profile if args.profile and scenario is pager and n == max(args.clients)
                               and round_no == 0 else None)
                    run = await measure(app, scenario, n, seconds=args.seconds, max_events=args.max_events,
                                        parallel=args.connect_parallel, profile=profile)
                    failures += run.errors
                    totals[scenario.name].add(run)
                    print(f"  N={n} round {round_no + 1} {scenario.name}: {run.rate:.1f} events/s, "
                          f"p95 {run.pct(95) * 1000:.1f} ms, {run.cpu_per_event * 1000:.2f} ms CPU/event "
                          f"(load average {_loadavg()})", flush=True)
            results.append(report(n, totals["blank"], totals["portal"], *([totals["no-db"]] if args.no_db else [])))
    print()
    print("events/s: answered events per second, all tabs together; p50/p95/p99: one event's round trip;")
    print("cpu ms: server CPU per event (the backend's process tree, plus its PostgreSQL connections' processes);")
    print("client: this script's CPU per event;")
    print("load ms: median time for a tab to connect, hydrate and finish its on_load work.")
    if args.no_db:
        print("no-db: the same portal tabs tapping a handler that reads no database (the language choice).")
    print("\n\n".join(results))
    print(f"\nload average at the end: {_loadavg()}")
    return 1 if failures else 0


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,10,100", help="comma-separated tab counts (default 1,10,100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per app and N, interleaved (default 2)")
    parser.add_argument("--max-events", type=int, default=20000, help="events per tab per run at most")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="stop starting runs after this long")
    parser.add_argument("--connect-parallel", type=int, default=10, help="tabs connecting at once")
    parser.add_argument("--profile", type=Path, help="py-spy the portal backend at the largest N into this folder")
    parser.add_argument("--no-db", action="store_true",
                        help="also time the portal's tabs on a handler without database work (the language choice)")
    parser.add_argument("--attach", type=Path,
                        help="use the apps `python -m bench.apps --serve FILE` keeps up instead of starting them")
    parser.add_argument("--keep", action="store_true", help="keep the build folders and app logs")
    args = parser.parse_args()
    args.clients = [int(n) for n in args.clients.split(",") if n.strip()]
    sys.exit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
