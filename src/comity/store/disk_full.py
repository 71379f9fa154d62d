"""Telling a full disk apart from other database failures, for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from comity.domain.errors import StorageFullError

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
