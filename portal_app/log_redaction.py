"""Keep credentials out of every log line, whoever logs it.

Reflex logs a whole event (its router data, with the Cookie header) when an event name is
unknown, and mail and access logs may carry link tokens. A log-record factory rewrites each
record's message before any handler sees it.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_COOKIE_PATTERNS = [
    # name=value pairs of our cookies, wherever they appear (Cookie headers, reprs, f-strings)
    re.compile(r"(?P<key>(?:portal_(?:staff_)?session|portal_presession)=)(?P<value>[^;,'\"\s}]+)"),
    # a whole Cookie header inside a dict repr or JSON: 'cookie': '...'
    re.compile(r"(?P<key>['\"]cookie['\"]\s*:\s*)(?P<value>'[^']*'|\"[^\"]*\")", re.IGNORECASE),
    # a tab's token (a UUID): whoever holds it is served the tab's state; Reflex's own warnings name
    # it ("Lock for token <uuid>_<state> was held too long")
    re.compile(r"(?P<key>)(?P<value>(?<![0-9a-fA-F-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-fA-F]))"),
]
# Tokens in links (?token=…, &t=…, ?ticket=…): redacted in production only, so a developer
# without SMTP can still follow a verification link from the log.
_LINK_PATTERN = re.compile(r"(?P<key>[?&](?:token|t|ticket)=)(?P<value>[A-Za-z0-9_\-.~%]+)")


def redact(text: str, *, links: bool = True) -> str:
    for pattern in _COOKIE_PATTERNS + ([_LINK_PATTERN] if links else []):
        text = pattern.sub(lambda m: m.group("key") + (repr(REDACTED) if m.group("value")[:1] in "'\"" else REDACTED),
                           text)
    return text


_installed = False


def install(*, links: bool) -> None:
    """Wrap the log-record factory once per process; `links`: also redact tokens in links."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string stays as it was
            return record
        cleaned = redact(message, links=links)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
