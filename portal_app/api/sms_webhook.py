"""POST /webhooks/twilio/sms: texts people send to the portal's number (STOP, START, HELP).

Twilio signs each request (X-Twilio-Signature over the URL it called and the form); anything else
is refused. The answer is TwiML: the reply to send back, or none.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.config import get_settings
from portal_app.integrations import sms
from portal_app.models import call_in_session
from portal_app.services.notify import preferences

PATH = "/webhooks/twilio/sms"
MAX_BODY = 16_000


async def inbound_sms(request: Request) -> Response:
    if not sms.sms_enabled():
        return PlainTextResponse("not found", status_code=404)
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    # The address Twilio was told to call: the public one, not what the proxy passed on to us.
    url = get_settings().public_url.rstrip("/") + PATH + (f"?{request.url.query}" if request.url.query else "")
    if not sms.valid_signature(url=url, params=params, signature=request.headers.get("x-twilio-signature", "")):
        return PlainTextResponse("bad signature", status_code=403)
    reply = await run_in_threadpool(call_in_session, preferences.inbound_text, from_number=params.get("From", "")[:20],
                                    body=params.get("Body", "")[:1600])
    return Response(sms.reply(reply), media_type="application/xml")


routes = [Route(PATH, inbound_sms, methods=["POST"])]
