"""Database engine, sessions and schema (flaskr's db.py, for SQLAlchemy 2).

SQLite runs in WAL mode with a busy timeout, so the escalation worker, the
event stream and request handlers can share the file; any SQLAlchemy URL
(PostgreSQL for multi-estate scale) works instead. The schema is created at
start-up and additive changes (new tables, new nullable columns) are applied
in place, so an upgraded hub opens an older database without losing anything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, g
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.models import Base

_LOGGER = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite files get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if is_sqlite else {},
        pool_pre_ping=not is_sqlite,
    )
    if is_sqlite:
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()
    return engine


def migrate(engine: Engine) -> None:
    """Create missing tables and add missing nullable columns; never drops anything."""
    Base.metadata.create_all(engine)
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable and column.server_default is None:
                    raise RuntimeError(f"cannot add NOT NULL column {table.name}.{column.name} in place")
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))
                _LOGGER.info("added column %s.%s", table.name, column.name)


def init_app(app: Flask, session_factory: sessionmaker[Session]) -> None:
    """Close the request's session at teardown (``get_session`` opens it lazily)."""

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The current request's session, opened on first use."""
    from assistant.services import get_services

    if "db_session" not in g:
        g.db_session = get_services().sessions()
    return g.db_session


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for work outside a request (workers, CLI): commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
