"""How many requests per second go from one State's node to another's, against bare crypto.

N approved MLA requests travel XA → XB end to end: sealed (envelope v1: RFC 8785, JWS EdDSA,
JWE ECDH-ES+A256KW/A256GCM) and committed to the outbox, then posted over mutual TLS with an
RFC 9421 signature to XB running as a real ``comity node serve`` process, which decrypts,
verifies, dedupes, stores and answers with a signed receipt that XA verifies and keeps as
evidence. Once on SQLite, once on PostgreSQL (skipped if unreachable).

The baseline, measured in the same run just before each backend, is the rate of bare crypto
round trips (seal + open of the same payload with in-memory keys): the machines are shared and
noisy, so compare the ratios between runs, not the absolute rates. Exits non-zero unless XB
holds every request exactly once and XA every receipt.

N defaults to 200 (``COMITY_BENCH_MESSAGES``); PostgreSQL is ``COMITY_BENCH_DATABASE_URL``, else
``COMITY_TEST_DATABASE_URL``, else ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Table,
    create_engine,
    func,
    make_url,
    select,
    text,
)

from comity.bootstrap import build
from comity.config import Settings
from comity.crypto.envelope import open_envelope, seal
from comity.domain.commands import CreateDraft
from comity.domain.delivery import DeliveryStatus, MessageType, Stage
from comity.domain.messages import Message, SubmitBody
from comity.domain.values import Role, Side
from comity.local_network import create_local_network
from comity.services import delivery, exchange, requests, users
from comity.services.demo import example_mla_fields
from comity.store.tables import (
    cooperation_request,
    delivery_evidence,
    inbox_message,
    outbox_message,
    quarantine_record,
)
from comity.transport import wire

MESSAGES = int(os.environ.get("COMITY_BENCH_MESSAGES", "200"))
PG_URL = (
    os.environ.get("COMITY_BENCH_DATABASE_URL")
    or os.environ.get("COMITY_TEST_DATABASE_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "a long enough secret"
ACCOUNTS = {
    "drafter": (frozenset({Role.DRAFTER}), "central"),
    "approver": (frozenset({Role.APPROVER}), "central"),
}


@dataclass
class Rate:
    """A stage's throughput and, per message, its median and 99th percentile."""

    name: str
    per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return float("nan"), float("nan")
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def bare_crypto(payload: dict[str, object], seconds: float = 1.0) -> Rate:
    """Round trips (sign + encrypt, then decrypt + verify) of ``payload`` with in-memory keys."""
    signer, recipient = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    signer_public, recipient_public = signer.public_key(), recipient.public_key()

    def round_trip() -> None:
        sealed = seal(
            payload,
            signer=signer,
            signer_kid="XA.sig.bench",
            recipient=recipient_public,
            recipient_kid="XB.enc.bench",
        )
        open_envelope(
            sealed,
            recipient=recipient,
            recipient_kid="XB.enc.bench",
            resolve_signer=lambda _kid: signer_public,
        )

    for _ in range(20):  # warm up
        round_trip()
    samples: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        begun = time.perf_counter()
        round_trip()
        samples.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - start
    p50, p99 = _percentiles(samples)
    return Rate("bare crypto round trip (baseline)", len(samples) / elapsed, p50 * 1e3, p99 * 1e3)


def _representative_payload(view: requests.RequestView) -> dict[str, object]:
    """The wire payload of an MLA submission like the ones the benchmark sends."""
    request = view.request
    return wire.encode(
        Message(
            message_id=str(uuid.uuid4()),
            sender_state="XA",
            recipient_state="XB",
            type=MessageType.REQUEST_SUBMIT,
            created_at=datetime.now(UTC),
            profile=request.profile,
            body=SubmitBody(
                exchange_id=request.id,
                reference=request.reference,
                type_code=request.type_code,
                urgency=request.urgency,
                channel=request.channel,
                authority="central",
                fields=request.fields,
            ),
        )
    )


class Receiver:
    """XB as a real ``comity node serve`` process."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.log = data_dir.parent / "xb.log"
        environment = dict(os.environ)
        environment.pop("COMITY_DATABASE_URL", None)  # node.json says which database
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "comity", "node", "serve", "--dir", str(data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
            )
        deadline = time.monotonic() + 30
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"XB did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            return httpx2.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx2.TransportError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _count(
    engine: Engine, table: Table, *where: ColumnElement[bool], column: Column[str] | None = None
) -> int:
    what = func.count(func.distinct(column)) if column is not None else func.count()
    with engine.connect() as connection:
        return int(connection.scalar(select(what).select_from(table).where(*where)) or 0)


def run_backend(root: Path, urls: dict[str, str]) -> tuple[list[Rate], list[str], bool]:
    """Set up XA and XB on ``urls``, send N requests, check them; rates, checks, success."""
    ports = {state: (_free_port(), _free_port()) for state in ("XA", "XB")}
    settings = {
        state: Settings(
            state=state,
            data_dir=root / state,
            database_url=urls[state],
            port=api,
            federation_port=federation,
            public_endpoint=f"https://127.0.0.1:{federation}",
            argon2_time_cost=1,
            argon2_memory_cost=1024,
        )
        for state, (api, federation) in ports.items()
    }
    create_local_network(
        root,
        list(settings.values()),
        accounts=ACCOUNTS,
        password=PASSWORD,
        now=datetime.now(UTC),
    )
    receiver = Receiver(root / "XB", ports["XB"][0])
    container = build(Settings.for_node(root / "XA", database_url=urls["XA"]))
    try:
        ctx = container.services
        people = {user.username: user for user in users.list_users(ctx)}
        drafter, approver = people["drafter"], people["approver"]
        ids = []
        for _ in range(MESSAGES):  # not timed
            view = requests.create_draft(
                ctx,
                actor=drafter,
                command=CreateDraft("mla", "XB", fields=example_mla_fields("XA")),
            )
            requests.submit(ctx, actor=drafter, request_id=view.request.id)
            requests.approve(ctx, actor=approver, request_id=view.request.id)
            ids.append(view.request.id)
        baseline = bare_crypto(_representative_payload(view))

        queue_samples = []
        start = time.perf_counter()
        for request_id in ids:
            begun = time.perf_counter()
            exchange.send(ctx, actor=approver, request_id=request_id)
            queue_samples.append(time.perf_counter() - begun)
        queue_time = time.perf_counter() - start

        # The outbox hands out the oldest pending message per recipient, so each pass of the
        # relay delivers one message to XB: the pass's time is that message's delivery time.
        deliver_samples = []
        start = time.perf_counter()
        deadline = start + max(120.0, MESSAGES * 0.5)
        while True:
            begun = time.perf_counter()
            tried = delivery.deliver_due(ctx, limit=50)
            if tried:
                deliver_samples.extend([(time.perf_counter() - begun) / tried] * tried)
                continue
            with ctx.uow() as uow:
                if uow.outbox.pending() == 0:
                    break
            if time.perf_counter() > deadline:
                break
            time.sleep(0.02)  # a failed attempt waits for its retry
        deliver_time = time.perf_counter() - start
    finally:
        container.close()
        receiver.stop()

    q50, q99 = _percentiles(queue_samples)
    d50, d99 = _percentiles(deliver_samples)
    rates = [
        baseline,
        Rate("queue: seal + outbox commit", MESSAGES / queue_time, q50 * 1e3, q99 * 1e3),
        Rate("deliver: mTLS + store + signed receipt", MESSAGES / deliver_time,
             d50 * 1e3, d99 * 1e3),
        Rate("end to end: queue + deliver", MESSAGES / (queue_time + deliver_time)),
    ]  # fmt: skip
    checks, ok = _check(root, urls, attempts=len(deliver_samples))
    return rates, checks, ok


def _check(root: Path, urls: dict[str, str], *, attempts: int) -> tuple[list[str], bool]:
    """XB holds each request exactly once, XA a verified receipt and evidence for each."""
    xa = build(Settings.for_node(root / "XA", database_url=urls["XA"]))
    xb = build(Settings.for_node(root / "XB", database_url=urls["XB"]))
    try:
        at_xb = _count(
            xb.engine,
            cooperation_request,
            cooperation_request.c.requesting_state == "XA",
            cooperation_request.c.side == str(Side.REQUESTED),
        )
        distinct = _count(
            xb.engine,
            cooperation_request,
            cooperation_request.c.requesting_state == "XA",
            column=cooperation_request.c.exchange_id,
        )
        inbox = _count(xb.engine, inbox_message, inbox_message.c.sender_state == "XA")
        quarantined = _count(xb.engine, quarantine_record)
        acknowledged = _count(
            xa.engine,
            outbox_message,
            outbox_message.c.status == str(DeliveryStatus.ACKNOWLEDGED),
        )
        delivered = _count(
            xa.engine,
            delivery_evidence,
            delivery_evidence.c.stage == str(Stage.DELIVERED),
            column=delivery_evidence.c.message_id,
        )
    finally:
        xa.close()
        xb.close()
    ok = at_xb == distinct == inbox == acknowledged == delivered == MESSAGES and quarantined == 0
    checks = [
        f"XB requests from XA {at_xb} (distinct exchanges {distinct}), inbox {inbox}, "
        f"quarantined {quarantined}",
        f"XA acknowledged {acknowledged}, delivered evidences {delivered}, "
        f"delivery attempts {attempts}",
        f"{'OK' if ok else 'FAILED'}: {MESSAGES} sent, "
        f"{'each delivered exactly once' if ok else 'not each delivered exactly once'}",
    ]
    return checks, ok


def postgresql_schemas(states: list[str]) -> tuple[Callable[[], None], dict[str, str]] | str:
    """A private schema per node (and how to drop them), or why PostgreSQL is unusable."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 5})
        with admin.begin() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        where = make_url(PG_URL).render_as_string(hide_password=True)
        return f"unreachable at {where}: {type(error).__name__}"
    schemas = {state: f"bench_{uuid.uuid4().hex[:12]}" for state in states}
    with admin.begin() as connection:
        for schema in schemas.values():
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            for schema in schemas.values():
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    urls = {
        state: make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
        for state, schema in schemas.items()
    }
    return drop, urls


def report(backend: str, rates: list[Rate], checks: list[str]) -> None:
    baseline = rates[0].per_second
    print(f"{backend}: {MESSAGES} MLA requests XA → XB")
    print(f"  {'stage':<42} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x slower':>9}")
    for rate in rates:
        p50 = f"{rate.p50_ms:>8.2f}" if rate.p50_ms is not None else f"{'':>8}"
        p99 = f"{rate.p99_ms:>8.2f}" if rate.p99_ms is not None else f"{'':>8}"
        print(f"  {rate.name:<42} {rate.per_second:>9.1f} {p50} {p99} "
              f"{baseline / rate.per_second:>9.1f}")  # fmt: skip
    deliver, end_to_end = rates[2], rates[3]
    print(
        f"  delivery is {baseline / deliver.per_second:.1f} times slower than bare crypto, "
        f"end to end {baseline / end_to_end.per_second:.1f} times"
    )
    for line in checks:
        print(f"  {line}")


def main() -> int:
    ok = True
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "sqlite"
        root.mkdir()
        urls = {state: f"sqlite:///{root / state / 'comity.db'}" for state in ("XA", "XB")}
        rates, checks, passed = run_backend(root, urls)
        report("SQLite", rates, checks)
        ok &= passed

        found = postgresql_schemas(["XA", "XB"])
        if isinstance(found, str):
            print(f"PostgreSQL: skipped ({found})")
        else:
            drop, urls = found
            root = Path(folder) / "postgresql"
            root.mkdir()
            try:
                rates, checks, passed = run_backend(root, urls)
            finally:
                drop()
            report("PostgreSQL", rates, checks)
            ok &= passed
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
