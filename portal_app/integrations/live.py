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

import contextlib
import json
import logging
import os
import threading
import time
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


# Session changes (portal_app/services/identity/session_cache.py): a revocation, sign-out, disabled sign-in,
# role or membership change committed by one worker clears every worker's cache of resolved sessions.
SESSIONS_CHANNEL = "portal_session_changes"
PING_SECONDS = 1.0
# The subscription counts as live while Redis answered (a message or a ping's reply) this recently.
HEARD_WITHIN_SECONDS = 3.0
_watch_lock = threading.Lock()
_watch_thread: threading.Thread | None = None
_watch_subscribed = threading.Event()
_last_heard = 0.0


def publish_session_change(*, must_reach: bool) -> None:
    """Tell every other worker that sessions changed (with Redis; without it this process is the only web
    worker and clears its own cache). `must_reach`: raise when Redis does not take the message."""
    if not redis_url():
        return
    try:
        _redis().publish(SESSIONS_CHANNEL, b"changed")
    except Exception as problem:  # noqa: BLE001 - the caller decides whether a lost message may pass
        if must_reach:
            raise
        log.error("Session change not published: %s", type(problem).__name__)


def session_watch_live(on_change: Callable[[], None]) -> bool:
    """Is this worker hearing every session change other workers publish? Starts listening (once) on a
    thread of its own, calling `on_change` for each message and whenever the subscription is (re)made
    or lost. False until subscribed, and as soon as Redis has been silent for HEARD_WITHIN_SECONDS."""
    global _watch_thread
    if _watch_thread is None or not _watch_thread.is_alive():
        with _watch_lock:
            if _watch_thread is None or not _watch_thread.is_alive():
                _watch_thread = threading.Thread(target=_watch_sessions, args=(on_change,), daemon=True,
                                                 name="portal-session-watch")
                _watch_thread.start()
    return _watch_subscribed.is_set() and time.monotonic() - _last_heard < HEARD_WITHIN_SECONDS


def _watch_sessions(on_change: Callable[[], None]) -> None:
    global _last_heard
    import redis

    while redis_url():  # (a process that stops using Redis stops listening; asking again starts anew)
        pubsub = None
        try:
            client = redis.Redis.from_url(redis_url(), socket_connect_timeout=TIMEOUT_SECONDS,
                                          socket_timeout=TIMEOUT_SECONDS)
            pubsub = client.pubsub()
            pubsub.subscribe(SESSIONS_CHANNEL)
            _last_heard = pinged = time.monotonic()
            while True:
                item = pubsub.get_message(timeout=PING_SECONDS)
                now = time.monotonic()
                if item is not None:
                    _last_heard = now
                    if item.get("type") == "subscribe":
                        on_change()  # anything published while unsubscribed is unknown: start empty
                        _watch_subscribed.set()
                    elif item.get("type") == "message":
                        on_change()
                if now - _last_heard > 2 * HEARD_WITHIN_SECONDS or not redis_url():
                    raise ConnectionError("no answer to pings")
                if now - pinged >= PING_SECONDS:
                    pubsub.ping()
                    pinged = now
        except Exception as problem:  # noqa: BLE001 - Redis away: no cached sessions until subscribed again
            _watch_subscribed.clear()
            on_change()
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    pubsub.close()
            log.warning("Session changes: Redis subscription lost (%s); trying again", type(problem).__name__)
            time.sleep(PING_SECONDS)
    if threading.current_thread() is _watch_thread:  # (not a newer listener's flag)
        _watch_subscribed.clear()
