"""Staff import upload: a plain multipart form post, checked against the staff cookie, kept as a batch.

The staff page then shows the batch's dry run and applies it on request (state/staff_import.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from portal_app.api.auth_routes import NO_STORE
from portal_app.config import get_settings
from portal_app.models import session_scope
from portal_app.services.identity import auth, staff_auth
from portal_app.services.operations import importer
from portal_app.services.core.errors import FieldErrors, Forbidden

PAGE = "/staff/import"


def _stage(token: str | None, files: dict[str, bytes]) -> int:
    with session_scope() as db:
        principal = staff_auth.resolve_staff_session(db, token=token)
        return importer.stage_upload(db, principal=principal, files=files)


def _back(**query: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?{urlencode(query)}", status_code=303, headers=NO_STORE)


async def upload(request: Request) -> RedirectResponse:
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") not in (get_settings().public_url.rstrip("/"), str(request.base_url).rstrip("/")):
        return _back(problem="That upload did not come from this portal.")
    if int(request.headers.get("content-length") or 0) > importer.MAX_UPLOAD_BYTES:
        return _back(problem="The files are too big for one upload (100 MB); use the command line.")
    form = await request.form(max_files=len(importer.KINDS), max_part_size=importer.MAX_UPLOAD_BYTES)
    files = {}
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            files[item.filename] = await item.read()
    await form.close()
    try:
        batch = await run_in_threadpool(_stage, request.cookies.get(staff_auth.STAFF_COOKIE), files)
    except auth.SessionInvalid:
        return RedirectResponse(f"/staff/signin?{urlencode({'next': PAGE})}", status_code=303, headers=NO_STORE)
    except Forbidden as refusal:
        return _back(problem=str(refusal))
    except FieldErrors as problem:
        return _back(problem=next(iter(problem.errors.values())))
    return _back(batch=str(batch))


routes = [Route("/staff/import/upload", upload, methods=["POST"])]
