"""A fake of Twilio's Messages API on 127.0.0.1, answering as api.twilio.com does (status codes, JSON
bodies, error codes), so the SMS adapter is tested through Twilio's own Python library.

    fake = TwilioFake().start()           # fake.base_url -> PORTAL_TWILIO_API_BASE
    fake.refuse("+15005550009", 400, 21610, "Attempt to send to unsubscribed recipient")
    ...
    fake.messages  # what was sent: [{"To": ..., "From": ..., "Body": ...}]
    fake.stop()
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 30 + "fa4e"
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
FROM_NUMBER = "+15125550100"


class TwilioFake:
    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict[str, str]] = []
        self.refusals: dict[str, tuple[int, int, str]] = {}  # To -> (HTTP status, Twilio code, message)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def refuse(self, to: str, status: int, code: int, message: str) -> None:
        self.refusals[to] = (status, code, message)

    def to(self, number: str) -> list[str]:
        with self.lock:
            return [m["Body"] for m in self.messages if m["To"] == number]

    def wait_for(self, number: str, *, count: int = 1, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(number)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no text to {number} within {timeout}s; sent: {self.messages}")

    def start(self) -> TwilioFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str) -> None:
                self._json(status, {"code": code, "message": message, "status": status,
                                    "more_info": f"https://www.twilio.com/docs/errors/{code}"})

            def do_GET(self) -> None:  # noqa: N802 - the message list, as Twilio lists sent messages
                expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                if self.headers.get("Authorization", "") != self._wanted() or self.path.split("?")[0] != expected:
                    return self._error(404, 20404, "The requested resource was not found")
                with fake.lock:
                    listed = [{"to": m["To"], "from": m.get("From"), "body": m["Body"]} for m in fake.messages]
                self._json(200, {"messages": listed[::-1], "next_page_uri": None, "page": 0, "page_size": 50})

            def _wanted(self) -> str:
                return "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()

            def do_POST(self) -> None:  # noqa: N802 (the http.server hook's name)
                expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                if self.headers.get("Authorization", "") != self._wanted():
                    return self._error(401, 20003, "Authenticate")
                if self.path != expected:
                    return self._error(404, 20404, "The requested resource was not found")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                to = form.get("To", "")
                if not to or not form.get("Body") or not (form.get("From") or form.get("MessagingServiceSid")):
                    return self._error(400, 21604, "A 'To' phone number, a 'From' number and a 'Body' are required.")
                if to in fake.refusals:
                    return self._error(*fake.refusals[to])
                with fake.lock:
                    fake.messages.append(form)
                sid = "SM" + secrets.token_hex(16)
                self._json(201, {
                    "sid": sid, "account_sid": fake.account_sid, "to": to, "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"], "status": "queued",
                    "num_segments": "1", "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01",
                    "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
                    "date_created": "Mon, 30 Nov 2026 03:00:00 +0000", "date_updated": "Mon, 30 Nov 2026 03:00:00 +0000",
                    "date_sent": None, "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
                    "subresource_uris": {}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def env(self) -> dict[str, str]:
        """The portal's settings that send through this fake."""
        return {"PORTAL_TWILIO_ACCOUNT_SID": self.account_sid, "PORTAL_TWILIO_AUTH_TOKEN": self.auth_token,
                "PORTAL_TWILIO_FROM_NUMBER": FROM_NUMBER, "PORTAL_TWILIO_API_BASE": self.base_url}


def signature(url: str, params: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it for an inbound webhook."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, params)


def main() -> None:
    """`python -m tests.twilio_fake`: run the fake for a local try-out of texts; prints the settings to
    start the portal and the worker with, then every text it is sent."""
    fake = TwilioFake().start()
    print("Fake Twilio running. Start the portal and the worker with:", flush=True)
    for key, value in fake.env().items():
        print(f"  export {key}={value}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.5)
            with fake.lock:
                new = fake.messages[seen:]
            for message in new:
                print(f"text to {message['To']}: {message['Body']}", flush=True)
            seen += len(new)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
