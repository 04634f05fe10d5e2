"""Text messages: a small sender interface, its Twilio implementation, and what keeps a text to one
segment (GSM-7: 160 characters; one character outside it makes the whole text UCS-2, 70 a segment).

Configured by PORTAL_TWILIO_ACCOUNT_SID, PORTAL_TWILIO_AUTH_TOKEN and PORTAL_TWILIO_FROM_NUMBER; with
none of them set there are no texts (email only). Tests point the client at a local fake server
(PORTAL_TWILIO_API_BASE).
"""

from __future__ import annotations

import math
import re
from typing import Protocol

from portal_app.config import get_settings

# GSM 03.38: the basic set (one unit each) and its extension (two units: escape + character).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
# Characters our own words and the portal's labels use that GSM-7 lacks, and their nearest GSM spelling.
# Spanish keeps é, ñ, ü, ¿ and ¡ (GSM-7 has them); á, í, ó, ú lose their accent, as Spanish texts usually
# do, because one of them would make the whole text UCS-2 (70 characters a segment instead of 160).
_PLAIN = str.maketrans({
    "á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U", "ç": "c",
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "‐": "-", "−": "-",
    "•": "*", "·": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
})
_MASKED = re.compile(r"[•*]{2,}\s*(\d{2,4})")  # "Visa •••• 4242" reads "Visa ending 4242"


def plain(text: str) -> str:
    """The text in GSM-7 wherever a look-alike exists (curly quotes, dashes, the •••• of card labels)."""
    return _MASKED.sub(r"ending \1", text).translate(_PLAIN)


def segments(text: str) -> int:
    """How many SMS segments the text costs."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = len(text) + sum(ch in GSM_EXTENDED for ch in text)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible, marked with '...'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 3)].rsplit(" ", 1)[0] if " " in text[: limit - 3] else text[: limit - 3]
    return cut.rstrip(" ,.;:-") + "..."


class SmsRefused(Exception):
    """The provider will never send this text as it is (a bad or unreachable number, an opted-out one)."""

    def __init__(self, message: str, *, opted_out: bool = False) -> None:
        super().__init__(message)
        self.opted_out = opted_out


class SmsUnavailable(Exception):
    """Not sent this time for a reason on our or the provider's side (network, 5xx, rate limit,
    credentials): try again later."""


class SmsSender(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send one text; returns the provider's message id, or raises SmsRefused / SmsUnavailable."""


# Twilio's error codes for a number that cannot get this text (https://www.twilio.com/docs/api/errors).
_OPTED_OUT = {21610}
_BAD_NUMBER = {21211, 21214, 21217, 21401, 21407, 21408, 21421, 21612, 21614}


class TwilioSms:
    """Programmable Messaging through Twilio's own library."""

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str, api_base: str = "",
                 timeout: float = 15) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base:  # tests: a fake server on 127.0.0.1 answering like api.twilio.com
            self.client.api.base_url = api_base.rstrip("/")
        self.from_number = from_number

    def send(self, *, to: str, body: str) -> str:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender = {"messaging_service_sid": self.from_number} if self.from_number.startswith("MG") \
            else {"from_": self.from_number}
        try:
            message = self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as problem:
            what = f"Twilio {problem.status} error {problem.code}: {problem.msg}"[:280]
            if problem.code in _OPTED_OUT:
                raise SmsRefused(what, opted_out=True) from problem
            if problem.status == 400 and problem.code in _BAD_NUMBER:
                raise SmsRefused(what) from problem
            raise SmsUnavailable(what) from problem  # 401/403 (credentials), 429, 5xx, an unknown 400
        except (TwilioException, RequestException, OSError) as problem:
            raise SmsUnavailable(f"{type(problem).__name__}: {problem}"[:280]) from problem
        return str(message.sid or "")


def sms_enabled() -> bool:
    return get_settings().sms_enabled


def get_sender() -> SmsSender | None:
    """The configured sender, or None when texts are off."""
    settings = get_settings()
    if not settings.sms_enabled:
        return None
    return TwilioSms(account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
                     from_number=settings.twilio_from_number, api_base=settings.twilio_api_base)


def valid_signature(*, url: str, params: dict[str, str], signature: str) -> bool:
    """Is this inbound webhook really from Twilio (X-Twilio-Signature over the URL and the form)?"""
    settings = get_settings()
    if not settings.sms_enabled or not signature:
        return False
    from twilio.request_validator import RequestValidator

    return bool(RequestValidator(settings.twilio_auth_token).validate(url, params, signature))


def reply(text: str = "") -> str:
    """The TwiML answer to an inbound text: `text` sent back, or nothing."""
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
