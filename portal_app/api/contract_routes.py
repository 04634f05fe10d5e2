"""The signed-contract PDF, served only to the signed-in account it belongs to (else 404)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal_app.api import params
from portal_app.api.billing_routes import PRIVATE, _not_found
from portal_app.integrations.contract_pdf import signed_contract_pdf
from portal_app.models import session_scope
from portal_app.services.identity import auth
from portal_app.services.orders import contracts
from portal_app.services.core import formatting
from portal_app.services.core.errors import NotFound


def _render(token: str | None, contract_id: int) -> bytes:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        return signed_contract_pdf(contracts.signed_document(db, principal=principal, contract_id=contract_id),
                                   fmt=formatting.for_principal(db, principal))


async def signed_contract(request: Request) -> Response:
    try:
        contract_id = params.object_id(request.path_params["object_id"])
        pdf = await run_in_threadpool(_render, request.cookies.get(auth.SESSION_COOKIE), contract_id)
    except (ValueError, NotFound, auth.SessionInvalid):
        return _not_found()
    disposition = "attachment" if request.query_params.get("download") else "inline"
    return Response(pdf, media_type="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": f'{disposition}; filename="contract-{contract_id}-signed.pdf"'})


routes = [Route("/documents/contracts/{object_id}.pdf", signed_contract, methods=["GET"])]
