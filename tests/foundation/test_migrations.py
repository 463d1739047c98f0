from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from storage.base import Base
from storage.db import DatabaseNotMigrated, check_migrated, make_engine, upgrade_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_postgres_url(database_url: str) -> Iterator[str]:
    """A brand-new PostgreSQL database on the test server, dropped afterwards."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _assert_schema_complete(url: str) -> None:
    engine = make_engine(url)
    try:
        check_migrated(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_migrations_upgrade_on_postgresql(fresh_postgres_url: str) -> None:
    upgrade_database(fresh_postgres_url)
    _assert_schema_complete(fresh_postgres_url)


def test_migrations_upgrade_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade_database(url)
    _assert_schema_complete(url)


def test_alembic_cli_from_the_repo_root(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _assert_schema_complete(url)


def test_models_match_the_migrations(fresh_postgres_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade_database(fresh_postgres_url)
    engine = make_engine(fresh_postgres_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_unmigrated_database_is_refused_with_what_to_run(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotMigrated, match="alembic upgrade head"):
        check_migrated(engine)
    engine.dispose()
