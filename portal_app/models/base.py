"""Shared column types, time helpers and the engine/session factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, Session, SQLModel, create_engine


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite drops the offset on the way in, so values are normalised to UTC before they are
    written and tagged as UTC when read back.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_field(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A UTC timestamp column; `default_now` fills it at insert time."""
    extra: dict[str, Any] = {"default_factory": utcnow} if default_now else {"default": None}
    return Field(sa_type=UTCDateTime(), nullable=nullable, index=index, **extra)


class Row(SQLModel):
    """The columns every table with its own rows starts with: an integer key the database assigns.
    (Not a table itself: SQLModel copies the columns into each table class.)"""

    id: int | None = Field(default=None, primary_key=True)


class AccountRow(Row):
    """A row that belongs to one subscriber account: every service looks it up within the principal's account."""

    account_id: int = Field(foreign_key="account.id", index=True)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)

T = TypeVar("T")


@cache
def get_engine() -> sa.Engine:
    from portal_app.config import get_settings

    return make_engine(get_settings().database_url)


@contextmanager
def session_scope(engine: sa.Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def call_in_session(service: Callable[..., T], /, **kwargs: Any) -> T:
    """`service(db, **kwargs)` as one unit of work (for a worker thread: routes and public pages)."""
    with session_scope() as db:
        return service(db, **kwargs)


def lease_outbox_row(db: Session, row: Any, *conditions: Any, now: datetime, lease: timedelta) -> bool:
    """Claim an unsent outbox row that is due (and meets `conditions`) for `lease`, with a conditional
    UPDATE, so two delivery workers never send the same message; commits. True when this worker has it."""
    model = type(row)
    leased = db.execute(
        sa.update(model)
        .where(model.id == row.id, model.sent_at.is_(None), model.next_attempt_at <= now, *conditions)
        .values(next_attempt_at=now + lease)
    )
    db.commit()
    if leased.rowcount != 1:
        return False
    db.refresh(row)
    return True
