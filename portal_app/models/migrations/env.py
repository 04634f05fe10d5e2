"""Alembic environment: migrates the database named in the Alembic config."""

from alembic import context

import portal_app.models as models
from portal_app.models.base import make_engine

config = context.config
target_metadata = models.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = make_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
