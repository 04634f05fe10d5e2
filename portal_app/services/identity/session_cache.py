"""Resolved subscriber sessions kept per worker, so the check every event makes needs no query in the
common case (auth.resolve_session).

What keeps a cached session from outliving a change:
- Any committed change that could end or alter a resolved session (a session revoked, moved to another
  account or given other times; a sign-in disabled, renamed or given another language; a membership added,
  changed or removed; an account's name) empties this worker's cache before the committing call returns,
  and reaches every other worker through Redis (integrations/live.py) when there are several. The changes
  are found where every write passes (the ORM flush and `update`/`delete` statements), not in each service.
- An entry is stored only if no change was announced while it was being read (a generation number), so a
  read racing a revocation cannot put the old row back.
- With Redis, a worker uses its cache only while its subscription is confirmed (Redis answered within
  3 seconds); a change is published before the transaction commits (no Redis: the change is refused)
  and again after it. So after the commit, another worker can honour the old session only for the time
  Redis takes to deliver a message (well under a millisecond on a LAN), a window in which the event
  could as well have arrived just before the commit.
- Expiry (absolute and idle) is checked in memory on every hit; only "still valid" is taken from memory,
  so anything the memory calls over is read from the database again.
- Every entry is read again at least every CACHE_SECONDS (a backstop for writes made without the ORM).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from portal_app.integrations import live as transport
from portal_app.services.core.principal import Principal

CACHE_SECONDS = 30.0
MAX_ENTRIES = 20_000
# The columns a resolved session is read from (None: any change of the table's rows counts).
WATCHED: dict[str, frozenset[str] | None] = {
    "user_session": frozenset({"revoked_at", "expires_at", "account_id", "user_id", "staff_user_id", "token_hash"}),
    "portal_user": frozenset({"disabled", "username", "language", "account_id"}),
    "account_membership": None,
    "account": frozenset({"kind", "first_name", "last_name", "company_name"}),
}
_CHANGED = "session_change_pending"


@dataclass(frozen=True)
class Entry:
    principal: Principal
    expires_at: datetime
    last_seen_at: datetime
    generation: int
    stored_at: float


_lock = threading.Lock()
_entries: dict[str, Entry] = {}
_generation = 0


def generation() -> int:
    """Read before the database, passed to `store`: a change announced in between keeps the read out."""
    return _generation


def lookup(db: OrmSession, token_hash: str) -> Entry | None:
    """The cached session, if there is one this worker may trust (its times are the caller's to check).
    None in a transaction that changed sessions itself: it reads what it wrote from the database."""
    if db.info.get(_CHANGED):
        return None
    entry = _entries.get(token_hash)
    if entry is None or entry.generation != _generation or time.monotonic() - entry.stored_at > CACHE_SECONDS:
        return None
    return entry if _hearing_changes() else None


def store(db: OrmSession, token_hash: str, *, principal: Principal, expires_at: datetime, last_seen_at: datetime,
          read_at_generation: int) -> None:
    """Keep a session read from the database in `db`, unless `db` itself changed sessions (uncommitted:
    it may yet roll back) or a change was announced since `read_at_generation`."""
    if db.info.get(_CHANGED):
        return
    with _lock:
        if read_at_generation != _generation or not _hearing_changes():
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token_hash] = Entry(principal, expires_at, last_seen_at, read_at_generation, time.monotonic())


def forget(token_hash: str) -> None:
    _entries.pop(token_hash, None)


def forget_all() -> None:
    """Sessions changed (here or on another worker): nothing cached may be used again."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _hearing_changes() -> bool:
    """Without Redis this process is the only web worker and hears its own commits; with Redis only while
    the subscription to the other workers' changes is live."""
    return not transport.redis_url() or transport.session_watch_live(forget_all)


def _changed_columns(values: Any) -> set[str] | None:
    names = set()
    for key in values or ():
        name = key if isinstance(key, str) else getattr(key, "key", None) or getattr(key, "name", None)
        if not isinstance(name, str):
            return None  # unknown: count it as a change
        names.add(name)
    return names


def _touches(table: str, columns: set[str] | None) -> bool:
    if table not in WATCHED:
        return False
    watched = WATCHED[table]
    return watched is None or columns is None or bool(columns & watched)


@event.listens_for(OrmSession, "before_flush")
def _note_flushed_changes(db: OrmSession, _context: Any, _instances: Any) -> None:
    if db.info.get(_CHANGED):
        return
    for obj in db.deleted:
        if _touches(getattr(obj, "__tablename__", ""), None):
            db.info[_CHANGED] = True
            return
    for obj in db.new:
        if getattr(obj, "__tablename__", "") == "account_membership":
            db.info[_CHANGED] = True
            return
    for obj in db.dirty:
        table = getattr(obj, "__tablename__", "")
        if table not in WATCHED:
            continue
        state = inspect(obj)
        changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
        if _touches(table, changed):
            db.info[_CHANGED] = True
            return


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statement_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.session.info.get(_CHANGED):
        return
    statement = state.statement
    table = getattr(getattr(statement, "table", None), "name", "")
    columns = None if state.is_delete else _changed_columns(getattr(statement, "_values", None))
    if state.is_update and getattr(statement, "_ordered_values", None):
        columns = _changed_columns(dict(statement._ordered_values))
    if _touches(table, columns):
        state.session.info[_CHANGED] = True


@event.listens_for(OrmSession, "before_commit")
def _announce_before_commit(db: OrmSession) -> None:
    """With several workers: they drop their entries before the change commits, or it does not commit."""
    if not transport.redis_url():
        return
    db.flush()  # the last flush (commit's own comes after this hook) may hold the change
    if db.info.get(_CHANGED):
        transport.publish_session_change(must_reach=True)


@event.listens_for(OrmSession, "after_commit")
def _announce_after_commit(db: OrmSession) -> None:
    if db.info.pop(_CHANGED, None):
        forget_all()
        # Again after the commit: entries another worker read between the first message and the commit.
        transport.publish_session_change(must_reach=False)


@event.listens_for(OrmSession, "after_rollback")
def _drop_after_rollback(db: OrmSession) -> None:
    db.info.pop(_CHANGED, None)
