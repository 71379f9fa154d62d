"""The composition root: the one place that builds adapters and wires them to services.

Nothing is built at import time; ``build(settings)`` returns a ``Container`` and
``Container.close()`` releases it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from comity.catalogue.loader import packaged_catalogue
from comity.catalogue.loader import schema as catalogue_schema
from comity.config import NODE_FILE, Settings
from comity.crypto.passwords import Argon2PasswordHasher
from comity.domain.catalogue import Catalogue
from comity.services.context import ServiceContext
from comity.store import migrate
from comity.store.engine import make_engine, make_session_factory
from comity.store.uow import SQLAlchemyUnitOfWork


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class RandomIds:
    """UUID4 identifiers and URL-safe random secrets."""

    def new_id(self) -> str:
        """A random UUID."""
        return str(uuid.uuid4())

    def new_secret(self) -> str:
        """256 bits of randomness, URL-safe."""
        return secrets.token_urlsafe(32)


@dataclass
class Container:
    """Everything a driver (web app, CLI) needs, built once per process."""

    settings: Settings
    engine: Engine
    services: ServiceContext

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def upgrade_database(self) -> None:
        """Apply the migrations the database lacks."""
        migrate.upgrade(self.engine)

    def downgrade_database(self, revision: str) -> None:
        """Take the schema back to ``revision`` (``base`` removes everything)."""
        migrate.downgrade(self.engine, revision)

    def database_revision(self) -> str | None:
        """The schema revision the database is at."""
        return migrate.current_revision(self.engine)


def build(settings: Settings) -> Container:
    """Wire the node described by ``settings``."""
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    services = ServiceContext(
        uow=lambda: SQLAlchemyUnitOfWork(sessions),
        catalogue=packaged_catalogue(),
        clock=SystemClock(),
        ids=RandomIds(),
        hasher=Argon2PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_cost
        ),
        state=settings.state,
        token_lifetime=timedelta(minutes=settings.token_lifetime_minutes),
    )
    return Container(settings=settings, engine=engine, services=services)


def init_node_dir(settings: Settings) -> None:
    """Create the node directory (owner-only) and record the node's identity in it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    node_file = settings.data_dir / NODE_FILE
    stored = {"state": settings.state}
    if settings.database_url:
        stored["database_url"] = settings.database_url
    node_file.write_text(json.dumps(stored, indent=2) + "\n", "utf-8")
    node_file.chmod(0o600)


def catalogue() -> Catalogue:
    """The packaged catalogue (for drivers that need no node, such as ``comity catalogue``)."""
    return packaged_catalogue()


def published_catalogue_schema() -> dict[str, object]:
    """The JSON Schema catalogue files follow."""
    return catalogue_schema()
