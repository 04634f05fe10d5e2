"""Each websocket event gets an id its log lines carry, and (with PORTAL_METRICS) its latency."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time

from reflex.middleware import Middleware

from portal_app.observability import event_seconds, request_id


# A log-correlation id, not a secret: this process's random prefix and a counter (no system call per event).
_PROCESS = secrets.token_hex(4)
_numbers = itertools.count(1)


class EventObserver(Middleware):
    """Runs first for every event, in the event's own task: the id and the clock last as long as it."""

    async def preprocess(self, app, state, event):
        request_id.set(f"ev-{_PROCESS}{next(_numbers):x}")
        histogram = event_seconds()
        task = asyncio.current_task()
        if histogram is not None and task is not None:
            started = time.perf_counter()
            handler = event.name.rsplit(".", 1)[-1][:60]
            task.add_done_callback(lambda _task: histogram.labels(handler).observe(time.perf_counter() - started))
        return None
