"""The load benchmark's client (bench/) still speaks the portal's websocket protocol: two tabs of
subscribers of their own, signed in with real session cookies, load /invoices and page through it, or
switch its language (the handler without database work)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench import apps
from bench.load import InvoicesPager, LanguageToggle, measure
from tests.e2e.conftest import PROJECT_ROOT


def test_two_signed_in_tabs_page_through_invoices(portal):
    app = apps.running(portal.base_url, portal.database_url, PROJECT_ROOT / ".web")
    subscribers = apps.Subscribers(portal.database_url)
    people = subscribers.make(2)

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    for scenario in (InvoicesPager(subscribers, people), LanguageToggle(subscribers, people)):
        with ThreadPoolExecutor(max_workers=1) as thread:
            run = thread.submit(asyncio.run, measure(app, scenario, 2, seconds=1.0, max_events=20, parallel=2)).result()

        assert run.errors == 0, scenario.name
        assert run.events >= 4, scenario.name  # each tab's taps were answered with what it asked for
        assert len(run.load_times) == 2  # both tabs hydrated, signed in, with two pages of invoices
