"""The composition root: the one place that builds adapters and wires them to services.

Nothing is built at import time; ``build(settings)`` returns a ``Container`` and
``Container.close()`` releases it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from comity.catalogue.loader import packaged_catalogue
from comity.catalogue.loader import schema as catalogue_schema
from comity.config import NODE_FILE, Settings
from comity.crypto.http_signatures import SignedCall
from comity.crypto.passwords import Argon2PasswordHasher
from comity.crypto.pdf_signing import PdfSigner
from comity.crypto.totp import TotpCodes
from comity.domain.catalogue import Catalogue
from comity.domain.directory import Directory
from comity.domain.errors import DirectoryError, DomainError
from comity.domain.notifications import NotificationChannel
from comity.domain.sign_in import SignInPolicy
from comity.federation_setup import (
    build_evidence,
    build_federation,
    build_ledger,
    check_call,
    keys_dir,
)
from comity.notify.smtp import SmtpNotifier
from comity.notify.webhook import WebhookNotifier
from comity.render.pdf import WeasyPrintRenderer
from comity.services import (
    data_protection,
    delivery,
    escalation,
    evidence,
    notifications,
    practice,
)
from comity.services.context import NoFaults, ServiceContext
from comity.services.evidence_transfer import TransferRelay
from comity.services.ledger_rounds import WitnessRelay
from comity.services.notification_ports import Notifier, NotifyKit
from comity.services.originals_ports import OriginalsKit
from comity.services.ports import Clock
from comity.services.statistics_ports import StatisticsKit
from comity.store import migrate
from comity.store.engine import make_engine, make_session_factory
from comity.store.originals import SQLOriginalArchive
from comity.store.statistics import SQLReviewFacts
from comity.store.uow import SQLAlchemyUnitOfWork
from comity.transport.peer_client import HttpPeerClient

log = logging.getLogger("comity.node")

# How often the node's background thread erases data past their retention date.
SWEEP_INTERVAL = 3600.0


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class OffsetClock:
    """The real clock moved forward by the number of seconds written in a file (demo networks
    and end-to-end tests, ``COMITY_CLOCK_OFFSET_FILE``), so that every node sharing the file
    sees the same time pass: that is how a walk shows a 60-day expiry in a minute.

    The file is read again whenever it changes (its modification time); a missing file means
    no offset. An offset can only grow: a smaller one written later is ignored, because a
    clock that went back would date steps before the ones already taken.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: int | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current instant, moved forward by the file's offset."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp is not None and stamp != self._seen:
            self._seen = stamp
            self._offset = max(self._offset, read_clock_offset(self.path))
        return datetime.now(UTC) + self._offset


def read_clock_offset(path: Path) -> timedelta:
    """The offset a clock offset file holds (seconds, a decimal number); none if it is missing
    or unreadable, since a demo clock that cannot be read runs on real time."""
    try:
        return timedelta(seconds=max(float(path.read_text("ascii").strip() or 0), 0.0))
    except (OSError, ValueError):
        return timedelta()


class RandomIds:
    """UUID4 identifiers and URL-safe random secrets."""

    def new_id(self) -> str:
        """A random UUID."""
        return str(uuid.uuid4())

    def new_secret(self) -> str:
        """256 bits of randomness, URL-safe."""
        return secrets.token_urlsafe(32)


class CrashPoints:
    """Named crash points for the fault tests (security-test-plan §5.1).

    Only built when ``test_faults`` is set: ``fault_at`` is ``name`` or ``name:n`` (crash at
    the n-th time the point is reached). Crashing is SIGKILL, so nothing gets to clean up:
    exactly what a power cut or an OOM kill does.
    """

    def __init__(self, spec: str | None) -> None:
        name, _, nth = (spec or "").partition(":")
        self._name = name
        self._nth = int(nth or "1")
        self._seen = 0
        self._lock = threading.Lock()

    def hit(self, name: str) -> None:
        """Crash the process if this is the requested point and hit."""
        if name != self._name:
            return
        with self._lock:
            self._seen += 1
            if self._seen >= self._nth:
                log.warning("fault point %s reached: killing the process", name)
                os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Container:
    """Everything a driver (web app, CLI) needs, built once per process."""

    settings: Settings
    engine: Engine
    services: ServiceContext
    peers: HttpPeerClient | None = None

    def close(self) -> None:
        """Release database connections and pooled peer connections."""
        if self.peers is not None:
            self.peers.close()
        self.engine.dispose()

    def check_call(
        self, *, url: str, headers: dict[str, str], body: bytes | None, directory: Directory
    ) -> SignedCall:
        """Verify the HTTP message signature of a call from another node (``body`` None: the
        caller already checked it against the signed ``Content-Digest``)."""
        if self.services.federation is None:
            raise DirectoryError("this node has no keys: it cannot receive from other States")
        return check_call(
            self.services.federation,
            method="POST",
            url=url,
            headers=headers,
            body=body,
            directory=directory,
            now=self.services.clock.now(),
        )

    def run_relay(self, stop: threading.Event) -> None:
        """Deliver the outbox until ``stop`` is set: right away while there is work, then
        every ``relay_interval`` seconds. Trust problems hold the messages; they are logged.
        The same thread erases data past their retention date, at most once an hour."""
        last_sweep: float | None = None
        while not stop.is_set():
            if last_sweep is None or time.monotonic() - last_sweep >= SWEEP_INTERVAL:
                last_sweep = time.monotonic()
                self.sweep_retention()
            try:
                busy = delivery.deliver_due(self.services) > 0
            except DomainError as error:
                log.warning("relay holding messages: %s %s", error.code, error.detail)
                busy = False
            except Exception:
                log.exception("relay pass failed; retrying")
                busy = False
            if not busy:
                stop.wait(self.settings.relay_interval)

    def run_evidence_relay(self, stop: threading.Event) -> None:
        """Transfer sealed evidence packages until ``stop`` is set, on a thread of its own so
        that a many-GiB package never holds up the messages; a pass that fails is logged and
        the packages are tried again after their retry delay."""
        relay = TransferRelay(
            first_delay=self.settings.retry_first_delay, max_delay=self.settings.retry_max_delay
        )
        while not stop.is_set():
            try:
                relay.run_once(self.services)
            except Exception:
                log.exception("evidence transfer pass failed; retrying")
            stop.wait(self.settings.relay_interval * 5)

    def run_ledger(self, stop: threading.Event) -> None:
        """Check the audit log, sign its checkpoints and collect the other States'
        cosignatures until ``stop`` is set (a round a second; each round does work only when
        a checkpoint is due or a witness is to be tried again). Failures are logged."""
        relay = WitnessRelay()
        while not stop.is_set():
            try:
                relay.run_once(self.services)
            except DomainError as error:
                log.warning("ledger round: %s %s", error.code, error.detail)
            except Exception:
                log.exception("ledger round failed; retrying")
            stop.wait(min(1.0, self.settings.ledger_checkpoint_seconds))

    def run_notifier(self, stop: threading.Event) -> None:
        """Escalate emergencies past their acknowledgement target, take the practice steps
        the clock makes due (every ``practice_interval`` seconds), and send alerts to the people on
        duty until ``stop`` is set: right away while there are some, then every second.
        Failures are logged; each alert retries on its own."""
        last_practice: float | None = None
        while not stop.is_set():
            try:
                escalation.escalate_due(self.services)
                interval = self.settings.practice_interval
                if last_practice is None or time.monotonic() - last_practice >= interval:
                    last_practice = time.monotonic()
                    practice.sweep(self.services)
                busy = notifications.deliver_due(self.services) > 0
            except Exception:
                log.exception("notifier pass failed; retrying")
                busy = False
            if not busy:
                stop.wait(1.0)

    def sweep_retention(self) -> int:
        """Erase every request's data past its retention date, then remove evidence folders
        no package was recorded for (at start-up and hourly); failures are logged."""
        try:
            erased = data_protection.sweep(self.services)
            grace = timedelta(seconds=self.settings.evidence_orphan_grace)
            evidence.remove_orphan_folders(self.services, older_than=grace)
        except Exception:
            log.exception("retention sweep failed; it runs again in an hour")
            return 0
        return erased

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
    clock: Clock = (
        SystemClock()
        if settings.clock_offset_file is None
        else OffsetClock(settings.clock_offset_file)
    )
    wired = build_federation(settings, clock)
    services = ServiceContext(
        uow=lambda: SQLAlchemyUnitOfWork(sessions),
        catalogue=packaged_catalogue(),
        clock=clock,
        ids=RandomIds(),
        hasher=Argon2PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_cost
        ),
        state=settings.state,
        token_lifetime=timedelta(minutes=settings.token_lifetime_minutes),
        sign_in=SignInPolicy(
            max_failures=settings.sign_in_max_failures,
            max_address_failures=settings.sign_in_max_address_failures,
            failure_window=timedelta(minutes=settings.sign_in_window_minutes),
            idle_timeout=timedelta(minutes=settings.idle_timeout_minutes),
            reauth_window=timedelta(minutes=settings.reauth_minutes),
            require_mfa=settings.require_mfa,
        ),
        one_time_codes=TotpCodes(keys_dir(settings) / "totp.key"),
        retention=timedelta(days=settings.retention_days),
        federation=wired[0] if wired else None,
        evidence=build_evidence(settings, wired[1]) if wired else None,
        statistics=StatisticsKit(SQLReviewFacts(sessions), settings.stats_min_cell),
        ledger=build_ledger(settings, wired[1]) if wired else None,
        notify=build_notify(settings),
        faults=CrashPoints(settings.fault_at) if settings.test_faults else NoFaults(),
        # The document key is read when an original is signed: a node made before originals
        # existed starts, and refuses to sign until `comity node doc-key` created its key.
        originals=OriginalsKit(
            renderer=WeasyPrintRenderer(),
            signer=PdfSigner(keys_dir(settings)),
            archive=SQLOriginalArchive(sessions),
        ),
    )
    return Container(
        settings=settings, engine=engine, services=services, peers=wired[1] if wired else None
    )


def build_notify(settings: Settings) -> NotifyKit | None:
    """The alert channels the settings configure; None when there is nobody to alert."""
    if not settings.duty_emails and not settings.webhooks:
        return None
    notifiers: dict[NotificationChannel, Notifier] = {}
    if settings.notify_smtp_host:
        notifiers[NotificationChannel.EMAIL] = SmtpNotifier(
            host=settings.notify_smtp_host,
            port=settings.notify_smtp_port,
            sender=settings.notify_smtp_from,
            starttls=settings.notify_smtp_starttls,
        )
    if settings.webhooks:
        notifiers[NotificationChannel.WEBHOOK] = WebhookNotifier(
            secret=settings.notify_webhook_secret
        )
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return NotifyKit(
        notifiers=notifiers,
        duty_emails=settings.duty_emails,
        webhooks=settings.webhooks,
        desk_url=base.rstrip("/") + "/desk",
    )


def init_node_dir(settings: Settings) -> None:
    """Create the node directory (owner-only) and record the node's identity in it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    node_file = settings.data_dir / NODE_FILE
    stored: dict[str, object] = {"state": settings.state}
    if settings.database_url:
        stored["database_url"] = settings.database_url
    # The ports and the federation address are the node's own: `comity node serve` reads them
    # from here, so a node set up once (e.g. by `comity demo up`) starts on the same ports.
    # Only values given explicitly are stored; defaults stay defaults.
    for name in ("port", "federation_port", "public_endpoint"):
        if name in settings.model_fields_set and getattr(settings, name) is not None:
            stored[name] = getattr(settings, name)
    node_file.write_text(json.dumps(stored, indent=2) + "\n", "utf-8")
    node_file.chmod(0o600)


def catalogue() -> Catalogue:
    """The packaged catalogue (for drivers that need no node, such as ``comity catalogue``)."""
    return packaged_catalogue()


def published_catalogue_schema() -> dict[str, object]:
    """The JSON Schema catalogue files follow."""
    return catalogue_schema()
