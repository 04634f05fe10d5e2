"""Structured logs and metrics shared by every process (web workers and the job worker).

`PORTAL_LOG_FORMAT=json` writes one JSON object per log line with the request or event id it
belongs to (`request_id`: the proxy's X-Request-ID for an HTTP request, `ev-…` for a websocket
event), the logger, the level and the worker's process id, with the field names of Reflex's own
`--json` lines (timestamp, level, logger, message, pid), so a worker's output is one stream. Secrets never get there: the record
factory of `log_redaction` has already cleaned every message, and no code logs a card or bank number
(a test runs a sign-in and payments with every log line captured and looks for them).

`PORTAL_METRICS=true` turns on `/metrics` (Prometheus text format) on each worker: event latency by
handler (its count gives events per second), and from the database, which every worker reads alike,
payments by status, the mail queue and each job's last outcome. Several processes behind one port
(GRANIAN_WORKERS > 1): set PROMETHEUS_MULTIPROC_DIR to an empty folder per host so `/metrics` adds
them up; otherwise each process answers for itself.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import sys

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("portal_request_id", default="")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, pid (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        current = request_id.get()
        if current:
            entry["request_id"] = current
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_configured = False


def configure_logging(log_format: str) -> None:
    """Give the root logger's handlers the chosen format (once per process); INFO and above."""
    global _configured
    if _configured:
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in root.handlers:
        handler.addFilter(_WithRequestId())
        handler.setFormatter(formatter)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    _configured = True


# --- metrics (created only when PORTAL_METRICS is on: prometheus_client keeps them per process) ---

_event_seconds = None


def event_seconds():
    """The event latency histogram, by handler; None while metrics are off."""
    global _event_seconds
    from portal_app.config import get_settings

    if not get_settings().metrics:
        return None
    if _event_seconds is None:
        from prometheus_client import Histogram

        _event_seconds = Histogram(
            "portal_event_seconds", "Time a websocket event takes on this worker, from holding the tab's state to done",
            ["handler"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
    return _event_seconds
