"""Telling a full disk and an unreachable database apart from other database failures, for
SQLite and PostgreSQL: both are the node's condition, not a fault of the request, and both
pass (507 and 503), so they get their own codes instead of an internal error."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from comity.domain.errors import StorageFullError, StoreUnavailableError

# SQLITE_FULL, and PostgreSQL's disk_full condition (SQLSTATE class 53, insufficient resources).
_SQLITE_FULL = 13
_POSTGRES_DISK_FULL = "53100"
# SQLITE_BUSY, SQLITE_LOCKED and SQLITE_CANTOPEN: the file is busy or cannot be opened now.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 14})
# PostgreSQL's connection exceptions (class 08) and shutdowns (57P01-57P03).
_POSTGRES_UNAVAILABLE = ("08", "57P")


def storage_full(error: SQLAlchemyError) -> StorageFullError | None:
    """``STORAGE_FULL`` if ``error`` says the database's disk is full, else None."""
    cause = getattr(error, "orig", None)
    if (
        getattr(cause, "sqlite_errorcode", None) == _SQLITE_FULL
        or getattr(cause, "sqlstate", None) == _POSTGRES_DISK_FULL
    ):
        return StorageFullError("the node's database has no space left; nothing was changed")
    return None


def store_unavailable(error: BaseException) -> StoreUnavailableError | None:
    """``STORE_UNAVAILABLE`` if ``error`` says the database cannot be reached or used for now:
    a lost or refused connection, a server shutting down, a locked or unopenable SQLite file.
    A broken schema or a bad statement is a fault, not an outage, and stays what it is."""
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return _unavailable()
    if not isinstance(error, OperationalError):
        return None
    cause = error.orig
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlite_code is not None:
        # The primary result code is the low byte of SQLite's extended code.
        return _unavailable() if sqlite_code & 0xFF in _SQLITE_UNAVAILABLE else None
    sqlstate = getattr(cause, "sqlstate", None)
    # psycopg gives no SQLSTATE when it cannot connect at all.
    if sqlstate is None or str(sqlstate).startswith(_POSTGRES_UNAVAILABLE):
        return _unavailable()
    return None


def _unavailable() -> StoreUnavailableError:
    return StoreUnavailableError("the node's database is unavailable; nothing was changed")
