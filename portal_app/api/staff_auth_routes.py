"""Staff session cookie hand-off, sign-in with the provider's identity provider, and sign-out: the staff
twin of auth_routes, with its own cookie.

Every staff sign-in (password or identity provider) ends the same way: a one-time ticket swapped for
the HttpOnly staff cookie by `_hand_over`. The identity-provider routes do their blocking work (HTTP to
the provider, the database) in a thread; a refusal lands on the staff sign-in page with its reason.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal_app.api.auth_routes import NO_STORE, hand_over, sign_out_through
from portal_app.api.http_security import client_ip
from portal_app.config import get_settings
from portal_app.integrations import oidc
from portal_app.models import session_scope
from portal_app.services.identity import auth, staff_auth, staff_oidc

log = logging.getLogger("portal.staff_oidc")
OIDC_START = "/auth/staff/oidc/start"
OIDC_CALLBACK = "/auth/staff/oidc/callback"


def _staff_next(raw: str | None) -> str:
    next_path = auth.safe_next_path(raw, default="/staff")
    return next_path if next_path.startswith("/staff") else "/staff"


def _back_to_signin(reason: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/signin?{urlencode({'reason': reason})}", status_code=303, headers=NO_STORE)


async def _hand_over(request: Request, ticket: str, next_path: str) -> RedirectResponse:
    """Swap a staff sign-in ticket for the HttpOnly staff cookie (a new session) and go on to next_path."""
    return await hand_over(request, redeem=staff_auth.redeem_staff_ticket, ticket=ticket, cookie=staff_auth.STAFF_COOKIE,
                           next_path=next_path, refused=_back_to_signin("ticket"))


async def start_staff_session(request: Request) -> RedirectResponse:
    return await _hand_over(request, request.query_params.get("ticket", ""),
                            _staff_next(request.query_params.get("next")))


# --- sign-in with the provider's identity provider (OpenID Connect) --------------------------------


def _client() -> oidc.Client:
    settings = get_settings()
    return oidc.Client(issuer=settings.staff_oidc_issuer.strip(), client_id=settings.staff_oidc_client_id.strip(),
                       client_secret=settings.staff_oidc_client_secret,
                       redirect_uri=f"{settings.public_url.rstrip('/')}{OIDC_CALLBACK}")


def _begin(next_path: str, binding: str, address: str) -> str:
    """Discovery, a pending sign-in row, and the provider's authorization URL (blocking: in a thread)."""
    client = _client()
    provider = oidc.discover(client.issuer)
    state, nonce, verifier = oidc.new_secret(), oidc.new_secret(), oidc.new_secret()
    with session_scope() as db:
        staff_oidc.begin(db, state=state, nonce=nonce, code_verifier=verifier, next_path=next_path, binding=binding,
                         client_ip=address)
    return oidc.authorization_url(client, provider, state=state, nonce=nonce, code_verifier=verifier)


def _finish(state: str, code: str, binding: str, address: str) -> tuple[str, str]:
    """Claim the pending sign-in (committed: a state works once), exchange the code, verify the ID
    token, find the staff member; returns (ticket, next path). Blocking: in a thread."""
    with session_scope() as db:
        pending = staff_oidc.claim(db, state=state, binding=binding)
    client = _client()
    provider = oidc.discover(client.issuer)
    id_token = oidc.exchange_code(client, provider, code=code, code_verifier=pending.code_verifier)
    claims = oidc.verify_id_token(client, provider, id_token, nonce=pending.nonce)
    settings = get_settings()
    with session_scope() as db:
        ticket = staff_oidc.sign_in(db, claims=claims, allowed_domain=settings.staff_oidc_allowed_domain,
                                    label=settings.staff_oidc_label, client_ip=address, binding=binding)
    return ticket, pending.next_path


async def oidc_start(request: Request) -> RedirectResponse:
    if not get_settings().staff_oidc_enabled:
        return _back_to_signin("oidc_off")
    binding = request.cookies.get(auth.PRESESSION_COOKIE, "")
    try:
        url = await run_in_threadpool(_begin, _staff_next(request.query_params.get("next")), binding,
                                      client_ip(request))
    except staff_oidc.OidcSignInRefused as refusal:
        return _back_to_signin(f"oidc_{refusal.reason}")
    except oidc.ProviderUnavailable as problem:
        log.warning("Staff sign-in: the identity provider is unavailable: %s", problem)
        return _back_to_signin("oidc_unreachable")
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


async def oidc_callback(request: Request) -> RedirectResponse:
    if not get_settings().staff_oidc_enabled:
        return _back_to_signin("oidc_off")
    params = request.query_params
    if params.get("error") or not params.get("code"):  # the person cancelled, or the provider refused them
        log.info("Staff sign-in: the identity provider answered %s", params.get("error", "without a code")[:80])
        return _back_to_signin("oidc_denied")
    try:
        ticket, next_path = await run_in_threadpool(
            _finish, params.get("state", ""), params["code"], request.cookies.get(auth.PRESESSION_COOKIE, ""),
            client_ip(request))
    except staff_oidc.OidcSignInRefused as refusal:
        log.info("Staff sign-in with the identity provider refused: %s", refusal.reason)
        return _back_to_signin(f"oidc_{refusal.reason}")
    except oidc.ProviderUnavailable as problem:
        log.warning("Staff sign-in: the identity provider is unavailable: %s", problem)
        return _back_to_signin("oidc_unreachable")
    except oidc.ProviderRefused as refusal:
        log.warning("Staff sign-in: the identity provider refused the code: %s", refusal)
        return _back_to_signin("oidc_denied")
    except oidc.IdTokenInvalid as problem:
        log.warning("Staff sign-in: ID token rejected: %s", problem)
        return _back_to_signin("oidc_token")
    return await _hand_over(request, ticket, next_path)


async def staff_sign_out(request: Request) -> Response:
    return await sign_out_through(request, end=staff_auth.end_staff_session, cookie=staff_auth.STAFF_COOKIE,
                                  then="/staff/signin?signed_out=1")


routes = [
    Route("/auth/staff/session/start", start_staff_session, methods=["GET"]),
    Route(OIDC_START, oidc_start, methods=["GET"]),
    Route(OIDC_CALLBACK, oidc_callback, methods=["GET"]),
    Route("/auth/staff/sign-out", staff_sign_out, methods=["POST"]),
]
