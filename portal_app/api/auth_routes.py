"""Session cookie hand-off: swap a one-time sign-in ticket for the HttpOnly cookie, and sign out.

Page scripts cannot read or write an HttpOnly cookie, so only these routes ever touch it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal_app.api.http_security import client_ip, from_our_pages
from portal_app.config import get_settings
from portal_app.models import call_in_session
from portal_app.services.identity import auth

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def start_session(request: Request) -> RedirectResponse:
    next_path = auth.safe_next_path(request.query_params.get("next"))
    ticket = request.query_params.get("ticket", "")
    try:
        new_session = await run_in_threadpool(
            call_in_session, auth.redeem_session_ticket, ticket=ticket, client_ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            binding=request.cookies.get(auth.PRESESSION_COOKIE, ""),  # the ticket works only in the browser that asked for it
        )
    except auth.SessionInvalid:
        query = urlencode({"reason": "ticket", "next": next_path})
        return RedirectResponse(f"/signin?{query}", status_code=303, headers=NO_STORE)
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    response.set_cookie(
        auth.SESSION_COOKIE,
        new_session.token,
        max_age=new_session.max_age_seconds,
        httponly=True,
        secure=get_settings().is_production,
        samesite="lax",
        path="/",
    )
    return response


async def sign_out(request: Request) -> Response:
    if not from_our_pages(request.headers):  # another site cannot sign a subscriber out
        return PlainTextResponse("Sign out from the portal's own pages.", status_code=403, headers=NO_STORE)
    await run_in_threadpool(call_in_session, auth.end_session, token=request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/signin?signed_out=1", status_code=303, headers=NO_STORE)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


routes = [
    Route("/auth/session/start", start_session, methods=["GET"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
