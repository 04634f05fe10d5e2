"""No session cookie or link token reaches a log line (issue 10, item 12)."""

from __future__ import annotations

import logging

import pytest
from reflex_base.event import Event

from portal_app import log_redaction


@pytest.fixture
def redacting(monkeypatch):
    """The production redaction for one test; the process's own log-record factory comes back after."""
    previous = logging.getLogRecordFactory()
    monkeypatch.setattr(log_redaction, "_installed", False)
    log_redaction.install(links=True)
    yield
    logging.setLogRecordFactory(previous)


def test_an_unknown_event_logged_whole_shows_no_cookie_or_token(caplog, redacting) -> None:
    event = Event(name="state.no_such_handler", payload={}, router_data={
        "headers": {"cookie": "theme=light; portal_session=SECRET-SESSION; portal_presession=SECRET-PRE",
                    "user-agent": "x"},
        "asPath": "/verify?token=SECRET-LINK"})
    logger = logging.getLogger("reflex_base.event.processor.event_processor")
    with caplog.at_level(logging.ERROR):
        try:
            raise KeyError(event.name)
        except KeyError:
            logger.exception(f"Error processing event queue entry for {event} [txid=1]:")
        logging.getLogger("portal.mail").error("mail to %s: %s", "a@b.example", "https://x.example/reset-password?token=SECRET-MAIL")
    assert "SECRET" not in caplog.text
    assert "no_such_handler" in caplog.text and "[redacted]" in caplog.text


def test_redaction_keeps_everything_else() -> None:
    assert log_redaction.redact("GET /invoices?page=2 portal_session=abc; theme=dark") == \
        "GET /invoices?page=2 portal_session=[redacted]; theme=dark"
    assert log_redaction.redact("{'cookie': 'a=b', 'host': 'x'}") == "{'cookie': '[redacted]', 'host': 'x'}"
