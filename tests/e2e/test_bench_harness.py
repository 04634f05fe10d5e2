"""The load benchmark's client (bench/) still speaks the portal's websocket protocol: two tabs of
subscribers of their own, signed in with real session cookies, load /invoices and page through it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench import apps
from bench.load import InvoicesPager, measure
from tests.e2e.conftest import PROJECT_ROOT


def test_two_signed_in_tabs_page_through_invoices(portal):
    app = apps.running(portal.base_url, portal.database_url, PROJECT_ROOT / ".web")
    subscribers = apps.Subscribers(portal.database_url)
    pager = InvoicesPager(subscribers, subscribers.make(2))

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        run = thread.submit(asyncio.run, measure(app, pager, 2, seconds=1.0, max_events=20, parallel=2)).result()

    assert run.errors == 0
    assert run.events >= 4  # each tab's taps were answered with the page it asked for
    assert len(run.load_times) == 2  # both tabs hydrated, signed in, with two pages of invoices
