"""Upgrading a live portal: a database made by the previous release's migration head (0003_money),
holding rows in every table, upgrades to the current head, and every row survives unchanged (and
the app's own models read them). On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from conftest import POSTGRES_ADMIN_URL, _pg_admin, _pg_url
from sqlmodel import Session, select

from portal_app.models import Account, Invoice, Payment, PortalUser, make_engine
from portal_app.models.migrate import head_revisions, upgrade

PREVIOUS_RELEASE = "0003_money"
ROWS_PER_TABLE = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    if not POSTGRES_ADMIN_URL:
        pytest.skip("PostgreSQL pass: set PORTAL_TEST_POSTGRES_URL (CI does)")
    name = f"portal_up_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _value(column: sa.Column, table: str, row: int, parents: dict[str, list]):
    """A plain value for `column` in the `row`-th row: unique where it must be, a parent's key for a foreign key."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        keys = parents.get(target.table.name, [])
        if target.table.name == table or not keys:
            return None
        return keys[row % len(keys)]
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    if kind is bool:
        return row % 2 == 1
    if kind is int:
        return 100 + row
    if kind is float:
        return 1.5 + row
    if kind is dt.datetime:
        return dt.datetime(2026, 3, 1 + row, 12, 30, tzinfo=dt.UTC)
    if kind is dt.date:
        return dt.date(2026, 3, 1 + row)
    length = getattr(column.type, "length", None) or 40
    return f"{table[:8]}-{column.name[:10]}-{row}"[:length]


def _fill(connection: sa.Connection, metadata: sa.MetaData) -> dict[str, list[dict]]:
    """ROWS_PER_TABLE rows in every table, parents first; returns what was written."""
    written: dict[str, list[dict]] = {}
    keys: dict[str, list] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows = []
        for row in range(ROWS_PER_TABLE):
            values = {}
            for column in table.columns:
                if column.primary_key and column.autoincrement is not False and isinstance(column.type, sa.Integer) \
                        and not column.foreign_keys:
                    values[column.name] = row + 1
                    continue
                values[column.name] = _value(column, table.name, row, keys)
            connection.execute(table.insert().values(**values))
            rows.append(values)
        pk = list(table.primary_key.columns)
        if len(pk) == 1:
            keys[table.name] = [values[pk[0].name] for values in rows]
        written[table.name] = rows
    return written


def _read(connection: sa.Connection, metadata: sa.MetaData, tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    found = {}
    for name, rows in tables.items():
        table = metadata.tables[name]
        columns = [table.c[column] for column in rows[0]]
        order = list(table.primary_key.columns) or columns
        found[name] = [dict(row._mapping) for row in connection.execute(sa.select(*columns).order_by(*order))]
    return found


def test_a_database_from_the_previous_release_upgrades_with_every_row(empty_database: str) -> None:
    upgrade(empty_database, PREVIOUS_RELEASE)
    engine = make_engine(empty_database)
    try:
        before_schema = sa.MetaData()
        before_schema.reflect(engine)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Ids were written explicitly: move each sequence past them, as live inserts would have.
                for table in before_schema.sorted_tables:
                    for column in table.primary_key.columns:
                        if isinstance(column.type, sa.Integer) and not column.foreign_keys:
                            connection.execute(sa.text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), 1000, false) "
                                f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"))
            written = _fill(connection, before_schema)
        assert len(written) >= 30, sorted(written)  # every table of the previous release holds rows
        with engine.connect() as connection:
            before = _read(connection, before_schema, written)
        engine.dispose()

        upgrade(empty_database)  # to the current head

        after_schema = sa.MetaData()
        after_schema.reflect(engine)
        with engine.connect() as connection:
            assert {row[0] for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))} \
                == head_revisions()
            after = _read(connection, after_schema, written)
        assert after == before
        with Session(engine) as db:  # the current models read the old rows
            for model in (Account, PortalUser, Invoice, Payment):
                assert len(db.exec(select(model)).all()) == ROWS_PER_TABLE
    finally:
        engine.dispose()
