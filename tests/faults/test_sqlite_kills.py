"""The SQLite kill loop (security-test-plan X-09; tier C: 50 kills).

A writer process records a stream of inbound messages in a node's database through the
node's own engine (WAL, the product's pragmas) and its inbox repository, one commit per
message, and says which message it committed only after the commit returned: that is the
acknowledgement a sending node would get. The test kills it with SIGKILL from outside at a
random (seeded) moment, ``COMITY_SQLITE_KILLS`` times; after each kill the database must pass
``PRAGMA integrity_check`` and hold every message that was acknowledged.

The writer is forked from the test process, which has imported the product already: a kill
and a restart then take milliseconds rather than the seconds of a node's imports, so fifty
kills fit the tier's budget. This covers process crashes only; power loss needs a VM.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from comity.domain.delivery import Stage
from comity.services.transport_ports import InboxRecord
from comity.store import migrate
from comity.store.engine import make_engine, make_session_factory
from comity.store.transport_repositories import SQLInboxRepository
from tests.figures import record

KILLS = int(os.environ.get("COMITY_SQLITE_KILLS", "50"))
SEED = int(os.environ.get("COMITY_FAULT_SEED", "9"))
# A receipt-sized body per message, so that the WAL grows and checkpoints happen mid-stream.
BODY = "r" * 3000


def write_stream(url: str, cycle: int, acks: int) -> None:
    """Commit one inbound message after another; after each commit, acknowledge it."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    n = 0
    while True:
        message_id = f"{cycle}-{n}"
        with sessions() as session:
            SQLInboxRepository(session).add(
                InboxRecord(
                    sender_state="XA",
                    message_id=message_id,
                    digest=f"{n:064x}",
                    type="request.submit",
                    request_id=None,
                    received_at=datetime.now(UTC),
                    outcome=Stage.DELIVERED,
                    code="",
                    receipt=BODY,
                )
            )
            session.commit()
        os.write(acks, f"{message_id}\n".encode())
        n += 1


def acknowledged(read_end: int) -> list[str]:
    """Every message id the writer acknowledged before it died."""
    chunks = []
    while block := os.read(read_end, 65536):
        chunks.append(block)
    return [line for line in b"".join(chunks).decode().splitlines() if line]


def test_every_acknowledged_write_survives_fifty_sigkills(tmp_path: Path) -> None:
    database = tmp_path / "comity.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(make_engine(url))
    fork = multiprocessing.get_context("fork")
    rng = random.Random(SEED)
    expected: set[str] = set()
    kills = 0
    for cycle in range(KILLS):
        read_end, write_end = os.pipe()
        writer = fork.Process(target=write_stream, args=(url, cycle, write_end), daemon=True)
        writer.start()
        os.close(write_end)
        # A random moment: at start-up, mid-commit, mid-checkpoint: wherever it falls.
        time.sleep(rng.uniform(0.02, 0.4))
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        acks = acknowledged(read_end)
        os.close(read_end)
        assert writer.exitcode == -signal.SIGKILL
        kills += 1
        expected.update(acks)
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            held = {row[0] for row in connection.execute("select message_id from inbox_message")}
        lost = expected - held
        record("acknowledged_writes_lost", len(lost))
        assert not lost, f"after kill {kills}: {sorted(lost)[:5]} acknowledged but lost"
        record("sqlite_kills")
    assert kills == KILLS
    assert len(expected) > KILLS, "the writer hardly wrote anything between the kills"
