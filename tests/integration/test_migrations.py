"""The same migrations on SQLite and PostgreSQL: up, down, up, and no drift from the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from comity.bootstrap import build
from comity.store import migrate
from comity.store.engine import make_engine
from comity.store.tables import authority, cooperation_request, metadata
from tests.integration.conftest import settings_for


def test_upgrade_downgrade_upgrade_leaves_the_schema_equal_to_the_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == "0013"
        assert migrate.differences(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert not set(metadata.tables) & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()


def test_datetimes_come_back_timezone_aware_in_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    paris_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with engine.begin() as connection:
        connection.execute(
            insert(authority).values(
                id="a", state="XA", code="c", name="n", kind="central_authority", time_zone="UTC"
            )
        )
        connection.execute(
            insert(cooperation_request).values(
                id="r",
                reference="R",
                side="requesting",
                type_code="mla",
                profile="p",
                requesting_state="XA",
                requested_state="XB",
                authority_id="a",
                urgency="routine",
                channel="central_authority",
                status="draft",
                fields={},
                version=0,
                created_by="u",
                created_at=paris_noon,
                updated_at=paris_noon,
            )
        )
    with engine.connect() as connection:
        stored = connection.execute(select(cooperation_request.c.created_at)).scalar_one()
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    with engine.begin() as connection, pytest.raises(Exception, match="naive"):
        connection.execute(cooperation_request.update().values(updated_at=datetime(2026, 1, 1)))
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_the_container_reports_and_changes_the_revision(database_url: str, tmp_path: Path) -> None:
    container = build(settings_for(database_url, tmp_path))
    assert container.database_revision() is None
    container.upgrade_database()
    assert container.database_revision() == "0013"
    container.downgrade_database("base")
    assert container.database_revision() is None
    container.close()
