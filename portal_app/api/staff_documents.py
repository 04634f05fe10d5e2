"""Staff downloads: the paper bills waiting for the post, as one PDF (all of them) or one bill's PDF.

The staff session cookie is checked here; the service checks the role (admins). No session, an
agent, or a bill that is not a paper bill waiting: the same 404.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.api import params
from portal_app.integrations import documents
from portal_app.models import session_scope
from portal_app.services.billing import paper_bills
from portal_app.services.core import formatting
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.identity import auth, staff_auth

PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _render(token: str | None, invoice_id: int | None) -> tuple[bytes, str]:
    with session_scope() as db:
        principal = staff_auth.resolve_staff_session(db, token=token)
        docs = paper_bills.paper_bill_documents(db, principal=principal, today=provider_today(),
                                                invoice_ids=[invoice_id] if invoice_id is not None else None,
                                                waiting_only=invoice_id is None)
        if not docs:
            raise NotFound("document")
        if invoice_id is not None:  # each bill in its reader's language and formats (doc.locale)
            return (documents.invoice_pdf(docs[0], fmt=formatting.formatter(docs[0].locale)),
                    f"invoice-{docs[0].number}.pdf")
        return (documents.invoices_pdf([(doc, formatting.formatter(doc.locale)) for doc in docs]),
                f"paper-bills-{formatting.day_stamp(provider_today())}.pdf")


async def paper_bills_pdf(request: Request) -> Response:
    """GET /staff/documents/paper-bills.pdf (every bill waiting) or ?invoice=ID (that one)."""
    try:
        raw = request.query_params.get("invoice")
        invoice_id = params.object_id(raw) if raw is not None else None
        pdf, filename = await run_in_threadpool(_render, request.cookies.get(staff_auth.STAFF_COOKIE), invoice_id)
    except (NotFound, PortalError, auth.SessionInvalid):
        return PlainTextResponse("Not found", status_code=404, headers=PRIVATE)
    return Response(pdf, media_type="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'})


routes = [Route("/staff/documents/paper-bills.pdf", paper_bills_pdf, methods=["GET"])]
