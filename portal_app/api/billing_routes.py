"""Invoice and receipt PDFs, served only to the signed-in account they belong to.

The session cookie is checked here, in the route; a missing session, a missing document and
another account's document all get the same 404.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.api import params
from portal_app.integrations import documents
from portal_app.models import session_scope
from portal_app.services.billing import statements
from portal_app.services.identity import auth
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import NotFound

PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=PRIVATE)


def _render(token: str | None, kind: str, object_id: int) -> tuple[bytes, str]:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        if kind == "invoice":
            doc = statements.invoice_document(db, principal=principal, invoice_id=object_id, today=provider_today())
            return documents.invoice_pdf(doc), f"invoice-{doc.number}.pdf"
        receipt = statements.receipt_document(db, principal=principal, payment_id=object_id)
        return documents.receipt_pdf(receipt), f"receipt-{receipt.receipt_number}.pdf"


def _pdf_route(kind: str):
    async def handler(request: Request) -> Response:
        try:
            object_id = params.object_id(request.path_params["object_id"])
            pdf, filename = await run_in_threadpool(_render, request.cookies.get(auth.SESSION_COOKIE), kind, object_id)
        except (ValueError, NotFound, auth.SessionInvalid):
            return _not_found()
        disposition = "attachment" if request.query_params.get("download") else "inline"
        return Response(pdf, media_type="application/pdf",
                        headers={**PRIVATE, "Content-Disposition": f'{disposition}; filename="{filename}"'})

    return handler


routes = [
    Route("/documents/invoices/{object_id}.pdf", _pdf_route("invoice"), methods=["GET"]),
    Route("/documents/receipts/{object_id}.pdf", _pdf_route("receipt"), methods=["GET"]),
]
