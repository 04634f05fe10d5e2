"""GET /healthz (is the process up and can it reach its database?) and GET /readyz (should the
proxy send it traffic: database reachable, Redis reachable when configured, migrations at head)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app.models import get_engine
from portal_app.models.migrate import head_revisions

NO_STORE = {"Cache-Control": "no-store"}
REDIS_TIMEOUT_SECONDS = 2.0


def _database_ok() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


def _database_revisions() -> set[str] | None:
    """The revisions the database is at; None when it cannot be reached."""
    try:
        with get_engine().connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return set()
            return {row[0] for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))}
    except sa.exc.SQLAlchemyError:
        return None


def _redis_state() -> str:
    """ok | unreachable | not configured (one worker keeps Reflex state in its own memory)."""
    url = os.environ.get("REFLEX_REDIS_URL", "").strip()
    if not url:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_TIMEOUT_SECONDS)
        try:
            return "ok" if client.ping() else "unreachable"
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return "unreachable"


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, what each dependency said); a reason accompanies every 'not ready'."""
    checks: dict[str, str] = {}
    revisions = _database_revisions()
    if revisions is None:
        checks["database"] = "unreachable"
    else:
        checks["database"] = "ok"
        heads = head_revisions()
        checks["migrations"] = ("ok" if revisions == heads else
                                f"at {', '.join(sorted(revisions)) or 'nothing'}, head is {', '.join(sorted(heads))}: "
                                "run `python -m portal_app migrate`")
    checks["redis"] = _redis_state()
    ready = checks["database"] == "ok" and checks.get("migrations") == "ok" and checks["redis"] != "unreachable"
    return ready, checks


async def healthz(_request: Request) -> JSONResponse:
    ok = await run_in_threadpool(_database_ok)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503, headers=NO_STORE)


async def readyz(_request: Request) -> JSONResponse:
    ready, checks = await run_in_threadpool(readiness)
    return JSONResponse({"status": "ready" if ready else "not ready", **checks},
                        status_code=200 if ready else 503, headers=NO_STORE)


routes = [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
