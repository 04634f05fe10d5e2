"""Staff handlers' one way to the services: resolve the staff session and do the work in one DB
session, on a worker thread, so the event loop never waits on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from portal_app.models import session_scope
from portal_app.services.identity import staff_auth
from portal_app.services.core.principal import Principal


def _in_one_session(token: str | None, work: Callable[[Session, Principal], Any]) -> tuple[Principal, Any]:
    with session_scope() as db:
        principal = staff_auth.resolve_staff_session(db, token=token)
        return principal, work(db, principal)


async def as_staff(state, work: Callable[[Session, Principal], Any]) -> tuple[Principal, Any]:
    """(principal, result); raises auth.SessionInvalid, or whatever the service raised (nothing is kept then)."""
    return await asyncio.to_thread(_in_one_session, state._staff_token(), work)
