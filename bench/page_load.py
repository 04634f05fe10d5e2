"""Page load on a phone: how long until Home shows a signed-in subscriber's balance, against how long
a blank Reflex counter app (built and run in the same script) takes to show its hydrated text; and
the JavaScript each page transfers.

    .venv/bin/python bench/page_load.py              # 5 interleaved runs of each page
    .venv/bin/python bench/page_load.py --runs 9 --rtt 562.5 --down-kbps 1474.56 --up-kbps 675

Headless Chromium (Debian's, as the browser tests use) at 390x844 with touch, the CPU slowed 4x
(CDP `Emulation.setCPUThrottlingRate`) and the network throttled (CDP
`Network.emulateNetworkConditions`; by default Lighthouse's mobile "slow 4G" as DevTools applies it:
562.5 ms round trip, 1.47 Mbit/s down, 675 kbit/s up; Chrome does not throttle websocket frames).
Every run starts from an empty browser (cold cache), then loads the page a second time in the same
browser (a repeat visit: scripts cached). The time is taken in the page, from the start of
navigation to the animation frame in which the text is in the document, visible, outside any
loading placeholder. Runs alternate between the apps (the order flips every round); medians are
printed with the portal's ratios. The subscriber is a copy of the residential demo subscriber,
signed in with a real session cookie (see bench/apps.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

from bench import apps  # noqa: E402

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/131.0.0.0 Mobile Safari/537.36")}

# Records, in the page, the animation frame in which an element matching `selector` whose text matches
# `pattern` is visible and not inside a loading placeholder (aria-busy, a Radix skeleton).
WATCH = """
(() => {
  const target = %s;
  window.__bench = {visibleAt: null};
  const pattern = new RegExp(target.pattern);
  const shown = el => pattern.test(el.textContent || "")
    && !el.closest('[aria-busy="true"], .rt-Skeleton, [data-inline-skeleton]')
    && (!el.checkVisibility || el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}))
    && el.getBoundingClientRect().width > 0;
  let seen = false;
  const check = () => {
    if (seen) return;
    for (const el of document.querySelectorAll(target.selector)) {
      if (shown(el)) {
        seen = true;
        observer.disconnect();
        requestAnimationFrame(frame => { window.__bench.visibleAt = frame; });
        return;
      }
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
})();
"""
SCRIPTS = """
performance.getEntriesByType("resource")
  .filter(e => new URL(e.name).pathname.endsWith(".js"))
  .map(e => ({name: e.name, gzip: e.encodedBodySize, raw: e.decodedBodySize, transfer: e.transferSize}))
"""


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    selector: str
    pattern: str
    signed_in: bool


HOME = Target("portal Home (balance)", "/", "#balance", r"\d", signed_in=True)
SIGNIN = Target("portal /signin (form)", "/signin", "button", "SIGN IN", signed_in=False)
BLANK = Target("blank app (hydrated text)", "/", "#hydrated", r"Count: \d", signed_in=False)


@dataclass
class Samples:
    cold: list[float] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)
    js_gzip: list[int] = field(default_factory=list)
    js_raw: list[int] = field(default_factory=list)
    js_files: list[int] = field(default_factory=list)


class PageLoad:
    def __init__(self, browser: Browser, args: argparse.Namespace, subscribers: apps.Subscribers | None,
                 subscriber: apps.Subscriber | None) -> None:
        self.browser = browser
        self.args = args
        self.subscribers = subscribers
        self.subscriber = subscriber

    def _sign_in(self, context: BrowserContext, base_url: str) -> None:
        """A real session cookie in this browser: the pre-session cookie from a page request, a
        ticket bound to it, the portal's /auth/session/start setting the HttpOnly cookie. Through
        the context's request API, so the page's cache stays cold."""
        context.request.get(f"{base_url}/signin")
        presession = next(c["value"] for c in context.cookies() if c["name"] == "portal_presession")
        ticket = self.subscribers.ticket(self.subscriber, presession)
        response = context.request.get(f"{base_url}/auth/session/start?ticket={ticket}&next=/", max_redirects=0)
        if response.status != 303 or not any(c["name"] == "portal_session" for c in context.cookies()):
            raise RuntimeError(f"sign-in failed: {response.status}")

    def _throttle(self, context: BrowserContext, page: Page) -> None:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": self.args.cpu_slowdown})
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": self.args.rtt,
            "downloadThroughput": self.args.down_kbps * 1000 / 8, "uploadThroughput": self.args.up_kbps * 1000 / 8})

    def _visit(self, page: Page, url: str, target: Target) -> float:
        page.goto(url, wait_until="commit")
        page.wait_for_function("window.__bench && window.__bench.visibleAt !== null", timeout=120_000, polling=250)
        return page.evaluate("window.__bench.visibleAt")

    def run(self, app: apps.RunningApp, target: Target, samples: Samples) -> None:
        import json

        context = self.browser.new_context(base_url=app.base_url, **PHONE)
        try:
            if target.signed_in:
                self._sign_in(context, app.base_url)
            context.add_init_script(WATCH % json.dumps({"selector": target.selector, "pattern": target.pattern}))
            page = context.new_page()
            self._throttle(context, page)
            url = f"{app.base_url}{target.path}"
            samples.cold.append(self._visit(page, url, target))
            page.wait_for_load_state("networkidle")
            scripts = page.evaluate(SCRIPTS)
            samples.js_gzip.append(sum(s["gzip"] for s in scripts))
            samples.js_raw.append(sum(s["raw"] for s in scripts))
            samples.js_files.append(len(scripts))
            samples.repeat.append(self._visit(page, url, target))
            if self.args.screenshots:
                self.args.screenshots.mkdir(parents=True, exist_ok=True)
                name = target.label.split(" (")[0].replace(" ", "-").replace("/", "")
                page.screenshot(path=str(self.args.screenshots / f"{name}.png"))
        finally:
            context.close()


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: dict[Target, Samples]) -> str:
    lines = [f"{'page':<28} {'cold ms':>8} {'repeat ms':>10} {'JS gzip KB':>11} {'JS raw KB':>10} {'JS files':>9}"]
    for target, s in results.items():
        lines.append(f"{target.label:<28} {_median(s.cold):8.0f} {_median(s.repeat):10.0f} "
                     f"{_median(s.js_gzip) / 1024:11.1f} {_median(s.js_raw) / 1024:10.1f} {_median(s.js_files):9.0f}")
    blank = results[BLANK]
    for target in (HOME, SIGNIN):
        s = results[target]
        lines.append(f"{target.label} / blank: time {_median(s.cold) / _median(blank.cold):.2f}x cold, "
                     f"{_median(s.repeat) / _median(blank.repeat):.2f}x repeat; JS "
                     f"{_median(s.js_gzip) / _median(blank.js_gzip):.2f}x gzip, "
                     f"{_median(s.js_raw) / _median(blank.js_raw):.2f}x raw")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each page, interleaved (default 5)")
    parser.add_argument("--cpu-slowdown", type=float, default=4.0, help="CPU throttling rate (default 4)")
    parser.add_argument("--rtt", type=float, default=562.5, help="added round trip, ms (default 562.5)")
    parser.add_argument("--down-kbps", type=float, default=1474.56, help="download kbit/s (default 1474.56)")
    parser.add_argument("--up-kbps", type=float, default=675.0, help="upload kbit/s (default 675)")
    parser.add_argument("--screenshots", type=Path, help="save each page as it was measured into this folder")
    parser.add_argument("--attach", type=Path,
                        help="use the apps `python -m bench.apps --serve FILE` keeps up instead of starting them")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"phone 390x844, CPU {args.cpu_slowdown:g}x slower, network {args.rtt:g} ms RTT, "
          f"{args.down_kbps:g}/{args.up_kbps:g} kbit/s", flush=True)
    started = contextlib.nullcontext(apps.attach(args.attach)) if args.attach else apps.both()
    with started as (portal_app, blank_app), sync_playwright() as playwright:
        subscribers = apps.Subscribers(portal_app.database_url)
        subscriber = subscribers.make(1)[0]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            loader = PageLoad(browser, args, subscribers, subscriber)
            results = {HOME: Samples(), SIGNIN: Samples(), BLANK: Samples()}
            began = time.monotonic()
            for round_no in range(args.runs):
                order = [(portal_app, HOME), (blank_app, BLANK), (portal_app, SIGNIN)]
                if round_no % 2:
                    order.reverse()
                for app, target in order:
                    loader.run(app, target, results[target])
                print(f"  round {round_no + 1}: " + ", ".join(
                    f"{t.label.split(' (')[0]} {results[t].cold[-1]:.0f}/{results[t].repeat[-1]:.0f} ms"
                    for t in results) + f"  ({time.monotonic() - began:.0f} s)", flush=True)
        finally:
            browser.close()
    print()
    print(report(results))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
