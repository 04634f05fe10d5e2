"""The account history is append-only, and the database itself enforces it (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories import make_subscriber
from sqlmodel import Session, select

from portal_app.models import Account, AccountHistory
from portal_app.services.core import history
from portal_app.services.core.principal import Principal


@pytest.fixture
def entry_id(db: Session) -> int:
    """One committed history row; returns its id."""
    subscriber = make_subscriber(db)
    entry = history.record(
        db,
        principal=subscriber.principal,
        account_id=subscriber.account.id,
        kind="access",
        action="signed_in",
        summary="ada signed in to the portal",
        entity_type="portal_user",
        entity_id=subscriber.user.id,
    )
    db.commit()
    return entry.id


def _row(engine: sa.Engine, entry_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM account_history WHERE id = :id"), {"id": entry_id}).mappings().one()
    return dict(row)


def test_record_inserts_a_row_that_list_history_returns(db: Session, entry_id: int) -> None:
    entry = db.get(AccountHistory, entry_id)
    assert entry is not None and entry.occurred_at.tzinfo is not None
    later = history.record(
        db,
        principal=Principal.system(),
        account_id=entry.account_id,
        kind="billing",
        action="invoice_issued",
        summary="Invoice issued",
    )
    db.commit()
    rows = history.list_history(db, account_id=entry.account_id)
    assert [r.id for r in rows] == [later.id, entry_id]  # newest first
    assert rows[1].actor_kind == "subscriber" and rows[1].action == "signed_in"
    assert [r.id for r in history.list_history(db, account_id=entry.account_id, kind="access")] == [entry_id]


REFUSED = [
    "UPDATE account_history SET summary = 'rewritten' WHERE id = :id",
    "UPDATE account_history SET actor_name = 'Someone else', action = 'nothing' WHERE id = :id",
    "DELETE FROM account_history WHERE id = :id",
    "DELETE FROM account_history",
]


def test_database_refuses_update_and_delete(engine: sa.Engine, entry_id: int, subtests) -> None:
    before = _row(engine, entry_id)
    for statement in REFUSED:
        with subtests.test(statement=statement):
            with engine.connect() as conn:
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    conn.execute(sa.text(statement), {"id": entry_id})
                conn.rollback()
            assert _row(engine, entry_id) == before


def test_orm_changes_are_refused_too_and_leave_the_row_intact(engine: sa.Engine, entry_id: int) -> None:
    before = _row(engine, entry_id)
    with Session(engine) as session:
        entry = session.get(AccountHistory, entry_id)
        entry.summary = "quietly edited"
        session.add(entry)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.commit()
        session.rollback()
    with Session(engine) as session:
        session.delete(session.get(AccountHistory, entry_id))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.commit()
        session.rollback()
    assert _row(engine, entry_id) == before


def test_other_tables_stay_editable(engine: sa.Engine, db: Session, entry_id: int) -> None:
    # The guard is specific to the history: ordinary rows on the same account can change.
    account_id = _row(engine, entry_id)["account_id"]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account SET first_name = 'Grace' WHERE id = :id"), {"id": account_id})
    db.expire_all()
    assert db.exec(select(Account.first_name).where(Account.id == account_id)).one() == "Grace"
