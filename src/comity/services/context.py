"""What every service handler needs, handed over by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from comity.domain.catalogue import Catalogue
from comity.domain.delivery import RetryPolicy
from comity.domain.sign_in import SignInPolicy
from comity.services.evidence_ports import EvidenceFiles, EvidencePeers, EvidenceTrust
from comity.services.ledger_ports import LedgerKit
from comity.services.notification_ports import NotifyKit
from comity.services.originals_ports import OriginalsKit
from comity.services.ports import Clock, FaultPoints, IdFactory, PasswordHasher, UnitOfWorkFactory
from comity.services.sign_in_ports import OneTimeCodes
from comity.services.statistics_ports import StatisticsKit
from comity.services.transport_ports import Envelopes, PeerClient, TrustStore, WireCodec


class NoFaults:
    """Production: crash points do nothing."""

    def hit(self, name: str) -> None:
        """Do nothing."""
        del name


@dataclass(frozen=True)
class Federation:
    """What a node needs to talk to other States: trust, keys, wire format, peers, timings."""

    trust: TrustStore
    envelopes: Envelopes
    codec: WireCodec
    peers: PeerClient
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # How long past its next update a directory is still trusted.
    directory_grace: timedelta = timedelta(hours=1)
    # Tolerated difference between clocks, and the replay window of HTTP signatures.
    clock_skew: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class EvidenceKit:
    """What a node needs to seal, transfer, receive and open evidence packages."""

    files: EvidenceFiles
    trust: EvidenceTrust
    peers: EvidencePeers


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
    # How long a request's data are kept before the retention sweep erases them (DP-S6).
    retention: timedelta = timedelta(days=5 * 365)
    federation: Federation | None = None
    evidence: EvidenceKit | None = None
    # Review statistics: where their facts come from, and the smallest count shown.
    statistics: StatisticsKit | None = None
    # Signed PDF originals (renderer, document signer, archive); None where not wired.
    originals: OriginalsKit | None = None
    faults: FaultPoints = field(default_factory=NoFaults)
    # The audit log's checkpoint keys and witnesses; None on a node without keys.
    ledger: LedgerKit | None = None
    # Alerts to the people on duty (e-mail, webhooks); None where none is configured.
    notify: NotifyKit | None = None
    # Throttling, idle timeout, re-authentication window, MFA requirement; and the one-time
    # codes of enrolled authenticators (None: no account can enrol one).
    sign_in: SignInPolicy = field(default_factory=SignInPolicy)
    one_time_codes: OneTimeCodes | None = None
