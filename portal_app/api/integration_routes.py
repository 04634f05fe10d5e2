"""The integration API for the provider's billing system: bearer API keys, JSON in and out.

POST /api/v1/upsert          (write key) accounts, services, invoices (with lines), payments
GET  /api/v1/{what}?since=N  (read key)  payments, tickets, orders, portal_users, history
GET  /api/v1/openapi.json    the OpenAPI description (no key needed)
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app.models import session_scope
from portal_app.services.identity import ratelimit
from portal_app.services.operations import api_keys, integration

MAX_BODY = 5 * 1024 * 1024


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers={"Cache-Control": "no-store"})


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _authenticated(token: str, needs: str, work):
    """Authenticate and work in one transaction; the key's request count commits even on a refusal."""
    with session_scope() as db:
        principal = api_keys.authenticate(db, token=token, needs=needs)
        db.commit()
        return work(db, principal)


async def _run(request: Request, needs: str, work) -> JSONResponse | object:
    try:
        return await run_in_threadpool(_authenticated, _token(request), needs, work)
    except api_keys.KeyRefused as refusal:
        return _error(refusal.status, str(refusal))
    except ratelimit.RateLimited as limited:
        return JSONResponse({"error": "Too many requests for this key."}, status_code=429,
                            headers={"Retry-After": str(int(limited.retry_after.total_seconds()) + 1)})


async def upsert(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(413, "Send at most 5 MB per request (1,000 rows of each kind).")
    try:
        batch = integration.Batch.model_validate_json(body or b"{}")
    except ValidationError as problem:
        return _error(422, "The body does not match the schema.",
                      details=json.loads(problem.json(include_url=False, include_input=False)))

    def work(db, principal):
        report = integration.upsert(db, principal=principal, batch=batch)
        if not report.ok:
            db.rollback()
        return report

    report = await _run(request, "write", work)
    if isinstance(report, JSONResponse):
        return report
    rows = [{"kind": r.kind.rstrip("s") if r.kind != "invoice_lines" else "invoice_line", "key": r.key,
             "outcome": r.outcome, **({"reason": r.reason} if r.reason else {})} for r in report.rows]
    if not report.ok:
        return _error(422, "Nothing was written: some rows are refused.", problems=report.problems,
                      rows=[r for r in rows if r["outcome"] == "refuse"])
    return JSONResponse({"applied": True, "rows": rows})


async def read(request: Request) -> JSONResponse:
    what = request.path_params["what"]
    if what not in integration.READS:
        return _error(404, f"Unknown collection; one of {', '.join(integration.READS)}.")
    since_raw, limit_raw = request.query_params.get("since", "0"), request.query_params.get("limit", "500")
    if not since_raw.isdigit() or not limit_raw.isdigit():
        return _error(422, "since and limit must be whole numbers (since: the last id you saw, or 0).")
    result = await _run(request, "read", lambda db, _: integration.read_since(
        db, what=what, since=int(since_raw), limit=int(limit_raw)))
    return result if isinstance(result, JSONResponse) else JSONResponse(result)


def openapi_document() -> dict:
    schemas = integration.Batch.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schemas.pop("$defs", {})
    components["Batch"] = schemas
    bearer = [{"apiKey": []}]
    error = {"description": "Error", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}}}}}
    reads = {
        f"/api/v1/{what}": {"get": {
            "summary": f"{what.replace('_', ' ').capitalize()} created since a cursor", "security": bearer,
            "parameters": [
                {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0},
                 "description": "the `next` of your previous call (0 the first time)"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": integration.PAGE}}],
            "responses": {"200": {"description": "items and the next cursor"}, "401": error, "429": error}}}
        for what in integration.READS
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Subscriber Portal integration API", "version": "1"},
        "components": {"schemas": components,
                       "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                                      "description": "a key from Staff > API keys"}}},
        "paths": {
            "/api/v1/upsert": {"post": {
                "summary": "Create or update accounts, services, invoices and payments (all or nothing)",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Batch"}}}},
                "responses": {"200": {"description": "every row's outcome"}, "401": error, "403": error,
                              "413": error, "422": error, "429": error}}},
            **reads,
        },
    }


async def openapi(_: Request) -> JSONResponse:
    return JSONResponse(openapi_document())


routes = [
    Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    Route("/api/v1/upsert", upsert, methods=["POST"]),
    Route("/api/v1/{what}", read, methods=["GET"]),
]
