"""Engine, sessions and the unit of work; and the start-up check that the schema is current."""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from storage.base import encode_json

REPO_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseNotMigrated(RuntimeError):
    """The database schema is behind the code; the message says what to run."""


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int | None = None,
    pool_timeout: float = 30.0,
    pool_recycle: int = -1,
    echo: bool = False,
    autocommit: bool = False,
) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys, PostgreSQL a bounded pool.

    The URL's query passes through to the driver unchanged (`?sslmode=verify-full&sslrootcert=
    ...` for TLS to PostgreSQL). `max_overflow` defaults to `pool_size`.

    `autocommit=True` makes an engine for reads only: its connections are autocommit for their
    whole life (set once at connect; switching a pooled connection per checkout costs each
    request more than its query's own overhead). Never write through it.
    """
    parsed = make_url(url)
    # An autocommit connection has no transaction to roll back when it returns to the pool.
    extra: dict[str, Any] = (
        {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    )
    # One JSON encoding for every JSON column on both databases (datetimes included), and
    # orjson to read them back: the stdlib's json.loads cost the candidate's list a tenth of its
    # CPU (three JSON columns per interview). Values were checked storable on the way in.
    extra["json_serializer"] = encode_json
    extra["json_deserializer"] = orjson.loads
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30}, **extra)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// would pick psycopg2, which we do not ship.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        **extra,
    )
    _check_liveness_on_checkout(engine)
    return engine


def engine_for(settings: Settings, url: str | None = None, **options: Any) -> Engine:
    """The engine of a process: DATABASE_URL (or `url`) with the pool the settings describe."""
    return make_engine(
        url or settings.require("DATABASE_URL"),
        pool_size=settings.DATABASE_POOL_SIZE,
        max_overflow=settings.DATABASE_MAX_OVERFLOW,
        pool_timeout=settings.DATABASE_POOL_TIMEOUT_SECONDS,
        # SQLAlchemy's "never" is -1; the setting says 0, which reads better in an environment.
        pool_recycle=settings.DATABASE_POOL_RECYCLE_SECONDS or -1,
        **options,
    )


# A pooled connection is pinged (one round trip) only after this long unused; busier ones get the
# free socket check alone.
PING_AFTER_IDLE_SECONDS = 10.0


def _socket_has_input(dbapi_conn: Any) -> bool:
    """Whether an idle connection has unread input: the server only writes to an idle session
    when it terminates it (restart, shutdown, pg_terminate_backend, crash: message or EOF)."""
    try:
        fd = dbapi_conn.fileno()
    except Exception:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _ping(dbapi_conn: Any) -> bool:
    autocommit = dbapi_conn.autocommit
    try:
        dbapi_conn.autocommit = True
        dbapi_conn.execute("SELECT 1")
        dbapi_conn.autocommit = autocommit
    except Exception:
        return False
    return True


def connection_is_alive(dbapi_conn: Any, *, idle_seconds: float) -> bool:
    """The checkout test below, for a PostgreSQL connection: no unread input, and a ping if it
    has been unused for longer than PING_AFTER_IDLE_SECONDS."""
    if _socket_has_input(dbapi_conn):
        return False
    return idle_seconds <= PING_AFTER_IDLE_SECONDS or _ping(dbapi_conn)


def _check_liveness_on_checkout(engine: Engine) -> None:
    """What pool_pre_ping guarantees (a connection the server dropped, e.g. by a restart, is
    replaced before a request uses it) without a round trip per checkout.

    On checkout: a connection with unread input is dead (the server announced the end or closed
    the socket); one unused for PING_AFTER_IDLE_SECONDS is also pinged, for connections dropped
    silently (a firewall, a half-open TCP connection). Raising DisconnectionError makes the pool
    discard the connection and check out a fresh one.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:  # a brand-new connection
            return
        if not connection_is_alive(dbapi_conn, idle_seconds=time.monotonic() - idle_since):
            raise DisconnectionError("a pooled connection is closed or failed its ping")


def make_session_factory(engine: Engine) -> Callable[[], Session]:
    """Sessions that keep loaded values after commit, so services can return what they wrote."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit what the block did, or roll it all back; storage functions only flush."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def alembic_config(url: str | None = None) -> AlembicConfig:
    """Alembic configuration that works from any working directory."""
    cfg = AlembicConfig(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.attributes["database_url"] = url
    return cfg


def upgrade_database(url: str) -> None:
    """Run `alembic upgrade head` against `url` (used by `make run` and the tests)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def check_migrated(engine: Engine) -> None:
    """Refuse to run against a schema that is not at the latest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"database schema is at {current or 'nothing'}, code needs {head}: "
            "run `alembic upgrade head` from the repository root (or `make migrate`)"
        )
