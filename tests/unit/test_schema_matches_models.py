"""The migrations build exactly the schema the models describe (columns, types, nullability,
indexes), on SQLite and PostgreSQL: a model change without its migration fails here."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import portal_app.models  # noqa: F401  (every table registered)


def test_migrations_at_head_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
