"""GET /healthz: is the process up and can it reach its database?"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app.models import get_engine


def _database_ok() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


async def healthz(_request: Request) -> JSONResponse:
    ok = await run_in_threadpool(_database_ok)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


routes = [Route("/healthz", healthz, methods=["GET"])]
