"""POST /webhooks/stripe: verify Stripe's signature, record the event once, apply it."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app.integrations.payments import get_gateway
from portal_app.models import call_in_session
from portal_app.services.billing import payment_events


async def stripe_webhook(request: Request) -> JSONResponse:
    gateway = get_gateway()
    if gateway.name != "stripe":
        return JSONResponse({"error": "not found"}, status_code=404)
    payload = await request.body()
    try:
        event = gateway.verify_event(payload, request.headers.get("stripe-signature", ""))
    except ValueError:
        return JSONResponse({"error": "bad signature"}, status_code=400)
    outcome = await run_in_threadpool(call_in_session, payment_events.handle_event, event=event, gateway=gateway)
    return JSONResponse({"received": True, "outcome": outcome})


routes = [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
