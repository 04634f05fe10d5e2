"""Invoice, receipt and statement PDFs, served only to the signed-in account they belong to.

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
from portal_app.services.billing import account_statement, statements
from portal_app.services.identity import auth
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.core import formatting

PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=PRIVATE)


def _render(token: str | None, kind: str, object_id: int) -> tuple[bytes, str]:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        if kind == "invoice":
            doc = statements.invoice_document(db, principal=principal, invoice_id=object_id, today=provider_today())
            return documents.invoice_pdf(doc, fmt=formatting.for_principal(db, principal)), f"invoice-{doc.number}.pdf"
        receipt = statements.receipt_document(db, principal=principal, payment_id=object_id)
        return (documents.receipt_pdf(receipt, fmt=formatting.for_principal(db, principal)),
                f"receipt-{receipt.receipt_number}.pdf")


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


def _render_statement(token: str | None, raw_from: str, raw_to: str) -> tuple[bytes, str]:
    with session_scope() as db:
        principal = auth.resolve_session(db, token=token)
        today = provider_today()
        start, end = account_statement.parse_range(raw_from, raw_to, today=today)
        doc = account_statement.account_statement(db, principal=principal, start=start, end=end, today=today)
        name = f"statement-{doc.account_number}-{formatting.day_stamp(start)}-{formatting.day_stamp(end)}.pdf"
        return documents.statement_pdf(doc, fmt=formatting.for_principal(db, principal)), name


async def statement(request: Request) -> Response:
    """GET /documents/statement.pdf?from=YYYY-MM-DD&to=YYYY-MM-DD: the signed-in account's statement."""
    try:
        pdf, filename = await run_in_threadpool(_render_statement, request.cookies.get(auth.SESSION_COOKIE),
                                                request.query_params.get("from", ""), request.query_params.get("to", ""))
    except (NotFound, auth.SessionInvalid, FieldErrors):
        return _not_found()
    disposition = "attachment" if request.query_params.get("download") else "inline"
    return Response(pdf, media_type="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": f'{disposition}; filename="{filename}"'})


routes = [
    Route("/documents/invoices/{object_id}.pdf", _pdf_route("invoice"), methods=["GET"]),
    Route("/documents/receipts/{object_id}.pdf", _pdf_route("receipt"), methods=["GET"]),
    Route("/documents/statement.pdf", statement, methods=["GET"]),
]
