"""Telling a full disk and an unreachable database apart from other database failures, for
SQLite and PostgreSQL: both are the node's condition, not a fault of the request, and both
pass (507 and 503), so they get their own codes instead of an internal error."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from comity.domain.errors import StorageFullError, StoreUnavailableError

# SQLITE_FULL, and PostgreSQL's disk_full condition (SQLSTATE class 53, insufficient resources).
_SQLITE_FULL = 13
_POSTGRES_DISK_FULL = "53100"


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
    a lost or refused connection, a server shutting down, a locked SQLite file."""
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        return StoreUnavailableError("the node's database is unavailable; nothing was changed")
    return None
