"""What every service handler needs, handed over by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from comity.domain.catalogue import Catalogue
from comity.services.ports import Clock, IdFactory, PasswordHasher, UnitOfWorkFactory


@dataclass(frozen=True)
class ServiceContext:
    """The ports and settings service handlers run with."""

    uow: UnitOfWorkFactory
    catalogue: Catalogue
    clock: Clock
    ids: IdFactory
    hasher: PasswordHasher
    state: str
    token_lifetime: timedelta = timedelta(hours=8)
