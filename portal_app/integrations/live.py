"""The transport of live updates: a small message ("these accounts changed: order", "these service areas
changed: outage") from whatever process committed the change to every backend worker.

With `REFLEX_REDIS_URL` (several workers, job processes, the staff app on any worker) the message goes
out on a Redis pub/sub channel that each worker subscribes to (portal_app/state/live.py). Without Redis
(one development process on SQLite) it goes straight to the listeners registered in this process; a
change made by another process (a job run from the command line) then shows at the tab's next page load
or tap. A message names accounts and areas only, never what changed in them: each tab reads its own
page again with its own session.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("portal.live")
CHANNEL = "portal_live_changes"
TIMEOUT_SECONDS = 2.0

_listeners: list[Callable[[dict[str, Any]], None]] = []
_client_lock = threading.Lock()
_client: Any = None
_client_url = ""


def redis_url() -> str:
    return os.environ.get("REFLEX_REDIS_URL", "").strip()


def listen_locally(callback: Callable[[dict[str, Any]], None]) -> None:
    """Receive this process's own messages when there is no Redis (a worker without Redis is alone)."""
    if callback not in _listeners:
        _listeners.append(callback)


def _redis() -> Any:
    global _client, _client_url
    url = redis_url()
    with _client_lock:
        if _client is None or _client_url != url:
            import redis

            _client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
            _client_url = url
        return _client


def publish(messages: list[dict[str, Any]]) -> None:
    """Send the messages; never raises (the change they announce is committed already: a tab that misses
    one shows it at its next page load)."""
    if not messages:
        return
    if redis_url():
        try:
            client = _redis()
            for message in messages:
                client.publish(CHANNEL, json.dumps(message, separators=(",", ":")))
        except Exception as problem:  # noqa: BLE001 - Redis away: the pages catch up on their next load
            log.warning("Live update not published: %s", type(problem).__name__)
        return
    for message in messages:
        for callback in list(_listeners):
            try:
                callback(message)
            except Exception:  # noqa: BLE001 - one listener never stops the others
                log.exception("Live update listener failed")
