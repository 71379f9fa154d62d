"""Run Alembic migrations programmatically (``comity db upgrade``), on SQLite or PostgreSQL."""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from comity.store.tables import metadata

# Objects the migrations create that the table metadata cannot describe portably: the SQLite
# FTS5 table (and its shadow tables) and PostgreSQL's expression index for text search.
_UNMANAGED_PREFIXES = ("request_fts", "ix_request_search_body_tsv")


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Leave engine-specific search objects out of schema comparisons."""
    del obj, kind, reflected, compare_to
    return not (name or "").startswith(_UNMANAGED_PREFIXES)


def _config(engine: Engine) -> tuple[Config, Any]:
    config = Config()
    config.set_main_option("script_location", str(resources.files("comity.store") / "migrations"))
    connection = engine.connect()
    config.attributes["connection"] = connection
    return config, connection


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    config, connection = _config(engine)
    with connection:
        command.upgrade(config, revision)
        connection.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the database schema down to ``revision``."""
    config, connection = _config(engine)
    with connection:
        command.downgrade(config, revision)
        connection.commit()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(engine: Engine) -> list[Any]:
    """What differs between the migrated database and the table metadata (should be nothing)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))
