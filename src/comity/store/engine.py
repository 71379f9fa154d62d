"""Engines for SQLite (the embedded default) and PostgreSQL, set up the same way everywhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout.

    Bound parameters are kept out of error messages and logs: they hold case data.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin. IMMEDIATE
        # takes the write lock at the start: in WAL mode a transaction that read before
        # another one committed can never write (SQLITE_BUSY_SNAPSHOT, which no timeout
        # cures), so concurrent commands would fail; this way they queue for the lock
        # (busy_timeout) and each then reads what the previous one committed.
        event.listen(
            engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE")
        )
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire loaded values on commit (repositories return domain values)."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
