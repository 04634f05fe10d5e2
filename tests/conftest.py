"""Test harness: every database test runs on SQLite and, when configured, on PostgreSQL.

Each test gets its own freshly migrated database, cloned from a template migrated once per
session (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from portal_app.models import make_engine
from portal_app.models.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # In CI the PostgreSQL pass must run, not quietly skip.
    if os.environ.get("CI") and not POSTGRES_ADMIN_URL:
        raise pytest.UsageError("CI is set but PORTAL_TEST_POSTGRES_URL is not: the PostgreSQL pass would be skipped")
    # pytest-randomly has shuffled the tests already (its hook wraps this one). Keep its order within
    # each group but run every unit test before the browser tests: Playwright's sync API runs an
    # event loop of its own that must not be live while the asyncio-based state tests run.
    items.sort(key=lambda item: "e2e" in item.path.parts)


def _pg_url(database: str) -> str:
    base = sa.make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg")
    return base.set(database=database).render_as_string(hide_password=False)


def _pg_admin() -> sa.Engine:
    return sa.create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_ADMIN_URL:
        pytest.skip("PostgreSQL pass: set PORTAL_TEST_POSTGRES_URL (CI does)")
    name = f"portal_tpl_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"portal_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
