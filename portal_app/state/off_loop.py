"""Event handlers whose body blocks (database, payment gateway, mail) run in a worker thread, so
the event loop keeps serving every other open tab while one tab's event waits on the database."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any


def off_the_loop(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a plain `def` handler into an async one that runs its body with `asyncio.to_thread`.

    The tab's state is locked for the whole event, so nothing else reads or writes it while the
    body runs in the thread; what the body returns (a redirect, say) is returned as before."""

    @functools.wraps(handler)
    async def run(self, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(handler, self, *args, **kwargs)

    return run
