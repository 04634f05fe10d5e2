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


async def hand_over(request: Request, *, redeem, ticket: str, cookie: str, next_path: str,
                    refused: RedirectResponse) -> RedirectResponse:
    """Swap a one-time sign-in ticket (`redeem`) for an HttpOnly session cookie and go on to next_path;
    the ticket works only in the browser that asked for it (its pre-session cookie)."""
    try:
        new_session = await run_in_threadpool(
            call_in_session, redeem, ticket=ticket, client_ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""), binding=request.cookies.get(auth.PRESESSION_COOKIE, ""),
        )
    except auth.SessionInvalid:
        return refused
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    response.set_cookie(cookie, new_session.token, max_age=new_session.max_age_seconds, httponly=True,
                        secure=get_settings().is_production, samesite="lax", path="/")
    return response


async def sign_out_through(request: Request, *, end, cookie: str, then: str) -> Response:
    """End the session behind `cookie` (`end`), drop the cookie and go to `then`; only from our own pages,
    so another site cannot sign anyone out."""
    if not from_our_pages(request.headers):
        return PlainTextResponse("Sign out from the portal's own pages.", status_code=403, headers=NO_STORE)
    await run_in_threadpool(call_in_session, end, token=request.cookies.get(cookie))
    response = RedirectResponse(then, status_code=303, headers=NO_STORE)
    response.delete_cookie(cookie, path="/", httponly=True, samesite="lax")
    return response


async def start_session(request: Request) -> RedirectResponse:
    next_path = auth.safe_next_path(request.query_params.get("next"))
    refused = RedirectResponse(f"/signin?{urlencode({'reason': 'ticket', 'next': next_path})}", status_code=303,
                               headers=NO_STORE)
    return await hand_over(request, redeem=auth.redeem_session_ticket, ticket=request.query_params.get("ticket", ""),
                           cookie=auth.SESSION_COOKIE, next_path=next_path, refused=refused)


async def sign_out(request: Request) -> Response:
    return await sign_out_through(request, end=auth.end_session, cookie=auth.SESSION_COOKIE, then="/signin?signed_out=1")


routes = [
    Route("/auth/session/start", start_session, methods=["GET"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
