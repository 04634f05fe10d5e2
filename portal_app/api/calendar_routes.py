"""Calendar files: one appointment's .ics and a feed of the account's events, for the signed-in subscriber."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.api import params
from portal_app.models import Account, session_scope
from portal_app.services.identity import auth
from portal_app.services.selfservice import calendar, calendar_files, scheduling
from portal_app.services.core.access import access_appointment
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import NotFound
from portal_app.theming import current_theme

PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _appointment_file(token: str | None, appointment_id: int) -> str:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        appointment = access_appointment(db, principal, appointment_id)
        if appointment.starts_at is None:
            raise NotFound("appointment")
        account = db.get(Account, appointment.account_id)
        return calendar_files.appointment_ics(appointment, location=scheduling._service_address(account))


def _feed(token: str | None) -> str:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        events = calendar.account_events(db, principal=principal, today=provider_today(), kinds=tuple(calendar.KINDS))
        return calendar_files.feed_ics(events, name=f"{current_theme().provider_name} account")


def _ics(text: str, filename: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(text, media_type="text/calendar; charset=utf-8", headers=headers)


async def appointment_ics(request: Request) -> Response:
    token = request.cookies.get(auth.SESSION_COOKIE)
    try:
        text = await run_in_threadpool(_appointment_file, token, params.object_id(request.path_params["appointment_id"]))
    except auth.SessionInvalid:
        return PlainTextResponse("Sign in to download this file.", status_code=401, headers=PRIVATE)
    except NotFound:
        return PlainTextResponse("Not found.", status_code=404, headers=PRIVATE)
    return _ics(text, "appointment.ics")


async def feed_ics(request: Request) -> Response:
    token = request.cookies.get(auth.SESSION_COOKIE)
    try:
        text = await run_in_threadpool(_feed, token)
    except auth.SessionInvalid:
        return PlainTextResponse("Sign in to download this file.", status_code=401, headers=PRIVATE)
    return _ics(text, "account-calendar.ics")


routes = [
    Route("/ics/appointment/{appointment_id}.ics", appointment_ics, methods=["GET"]),
    Route("/ics/feed.ics", feed_ics, methods=["GET"]),
]
