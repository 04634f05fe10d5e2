"""Public pages' way to the database: a service call in one DB session on a worker thread, so the
event loop keeps serving every other open tab while this one waits. (Signed-in pages use the
preamble in signed_in.py, which also checks the session.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from portal_app.models import call_in_session


async def in_one_session(service: Callable[..., Any], /, **kwargs: Any) -> Any:
    """`service(db, **kwargs)` in one DB session (committed on success, rolled back on an error,
    which is raised here), off the event loop."""
    return await asyncio.to_thread(call_in_session, service, **kwargs)
