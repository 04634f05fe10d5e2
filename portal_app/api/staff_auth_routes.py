"""Staff session cookie hand-off and sign-out: the staff twin of auth_routes, with its own cookie."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal_app.api.auth_routes import NO_STORE
from portal_app.api.http_security import client_ip, from_our_pages
from portal_app.config import get_settings
from portal_app.models import session_scope
from portal_app.services.identity import auth, staff_auth


def _redeem(ticket: str, client_ip: str, user_agent: str, binding: str) -> auth.NewSession:
    with session_scope() as db:
        return staff_auth.redeem_staff_ticket(db, ticket=ticket, client_ip=client_ip, user_agent=user_agent,
                                              binding=binding)


def _end(token: str | None) -> None:
    with session_scope() as db:
        staff_auth.end_staff_session(db, token=token)


async def start_staff_session(request: Request) -> RedirectResponse:
    next_path = auth.safe_next_path(request.query_params.get("next"), default="/staff")
    if not next_path.startswith("/staff"):
        next_path = "/staff"
    try:
        new_session = await run_in_threadpool(
            _redeem, request.query_params.get("ticket", ""), client_ip(request),
            request.headers.get("user-agent", ""), request.cookies.get(auth.PRESESSION_COOKIE, ""),
        )
    except auth.SessionInvalid:
        return RedirectResponse(f"/staff/signin?{urlencode({'reason': 'ticket'})}", status_code=303, headers=NO_STORE)
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    response.set_cookie(
        staff_auth.STAFF_COOKIE, new_session.token, max_age=new_session.max_age_seconds, httponly=True,
        secure=get_settings().is_production, samesite="lax", path="/",
    )
    return response


async def staff_sign_out(request: Request) -> Response:
    if not from_our_pages(request.headers):
        return PlainTextResponse("Sign out from the portal's own pages.", status_code=403, headers=NO_STORE)
    await run_in_threadpool(_end, request.cookies.get(staff_auth.STAFF_COOKIE))
    response = RedirectResponse("/staff/signin?signed_out=1", status_code=303, headers=NO_STORE)
    response.delete_cookie(staff_auth.STAFF_COOKIE, path="/", httponly=True, samesite="lax")
    return response


routes = [
    Route("/auth/staff/session/start", start_staff_session, methods=["GET"]),
    Route("/auth/staff/sign-out", staff_sign_out, methods=["POST"]),
]
