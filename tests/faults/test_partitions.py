"""Partitions between two node processes (X-01, X-02, R-06, R-07 time-compressed).

XA and XB are real processes over mutual TLS, each one's federation traffic to the other
through its own fault proxy. A full partition holds XA's requests in its outbox and XB's
retrieval notices in its own; an asymmetric one lets XA's requests reach XB while XB's
answers (receipts) and XB's own messages to XA are lost. After the heal every message is
delivered exactly once, each side holds the other's receipts, and the invariants hold.
"""

from __future__ import annotations

import httpx2

from tests.federation_harness import PASSWORD
from tests.figures import record
from tests.invariants import assert_invariants
from tests.node_processes import (
    Process,
    ProxiedNetwork,
    proxied_network,
    send_mla,
    wait_until,
)

__all__ = ["proxied_network"]

REQUESTS = 3


def _retrieve_all(xb: Process) -> int:
    """XB's executor opens every received request: each first reading is a retrieval, which
    XB tells XA in a message of its own (the B → A direction)."""
    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=10) as http:
        token = http.post("/auth/token", json={"username": "executor", "password": PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = http.get("/requests", headers=headers)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        for item in items:
            read = http.get(f"/requests/{item['id']}", headers=headers)
            assert read.status_code == 200, read.text
        return len(items)


def _count(process: Process, sql: str) -> int:
    return process.count(sql)


def _acknowledged(process: Process) -> int:
    return _count(process, "select count(*) from outbox_message where status='acknowledged'")


def _settled(network: ProxiedNetwork, sent_by_a: int, sent_by_b: int) -> None:
    """Wait until both outboxes are acknowledged, then check exactly-once on both sides."""
    xa, xb = network["XA"], network["XB"]
    wait_until(lambda: _acknowledged(xa) == sent_by_a, "XA's messages not acknowledged")
    wait_until(lambda: _acknowledged(xb) == sent_by_b, "XB's messages not acknowledged")
    assert _count(xb, "select count(*) from cooperation_request") == REQUESTS
    assert _count(xb, "select count(*) from inbox_message") == sent_by_a
    assert _count(xa, "select count(*) from inbox_message") == sent_by_b
    # One delivered evidence per message a node sent (a receiver keeps its own as well).
    delivered = (
        "select count(*) from delivery_evidence where stage='delivered'"
        " and message_id in (select message_id from outbox_message)"
    )
    assert _count(xa, delivered) == sent_by_a
    assert _count(xb, delivered) == sent_by_b
    for process in (xa, xb):
        pending = "select count(*) from outbox_message where status <> 'acknowledged'"
        assert _count(process, pending) == 0
    assert_invariants([xa.store(), xb.store()], quiescent=True)


def test_a_full_partition_heals_and_every_message_is_delivered_once(
    proxied_network: ProxiedNetwork,
) -> None:
    xa, xb = proxied_network["XA"], proxied_network["XB"]
    a_to_b, b_to_a = proxied_network.into["XB"], proxied_network.into["XA"]
    xa.start()
    xb.start()

    a_to_b.cut()
    b_to_a.cut()
    before = a_to_b.connections  # The nodes' witness calls may have gone through already.
    for _ in range(REQUESTS):
        send_mla(xa)
    # XA's relay keeps trying within its policy: refused at the cut link, nothing arrives.
    # The relay delivers in order per recipient: the oldest message is retried, the others
    # wait behind it.
    retried = "select max(attempts) from outbox_message"
    wait_until(lambda: _count(xa, retried) >= 3, "XA did not retry during the cut")
    assert a_to_b.refused >= 3
    assert a_to_b.connections == before
    assert _count(xb, "select count(*) from cooperation_request") == 0
    assert _count(xa, "select count(*) from outbox_message where status='pending'") == REQUESTS
    # Only the link heals: the messages were not given up.
    a_to_b.heal()
    wait_until(lambda: _acknowledged(xa) == REQUESTS, "XA's requests not delivered after heal")
    assert_invariants([xa.store(), xb.store()])

    # Now B → A is the cut one while XB's officer opens the requests (retrieval notices).
    assert _retrieve_all(xb) == REQUESTS
    wait_until(lambda: b_to_a.refused >= 3, "XB did not retry during the cut")
    assert _count(xb, "select count(*) from outbox_message where status='pending'") == REQUESTS
    b_to_a.heal()
    _settled(proxied_network, sent_by_a=REQUESTS, sent_by_b=REQUESTS)
    retrieved = "select count(*) from delivery_evidence where stage='retrieved'"
    assert _count(xa, retrieved) == REQUESTS
    record("partitions_healed", 2)


def test_an_asymmetric_partition_loses_receipts_and_heals_consistent(
    proxied_network: ProxiedNetwork,
) -> None:
    xa, xb = proxied_network["XA"], proxied_network["XB"]
    a_to_b, b_to_a = proxied_network.into["XB"], proxied_network.into["XA"]
    xa.start()
    xb.start()

    # A → B carries XA's requests, but every answer on the way back is lost (R-06: a lost
    # receipt), and XB's own messages to XA cannot get through at all.
    a_to_b.drop_response(10**6)
    b_to_a.cut()
    for _ in range(REQUESTS):
        send_mla(xa)
    requests_at_b = "select count(*) from cooperation_request"
    wait_until(lambda: _count(xb, requests_at_b) == 1, "XA's first request did not reach XB")
    # XA retried it (in order, the others wait behind it): XB answered duplicates, whose
    # receipts were lost as well, and created nothing more.
    wait_until(lambda: a_to_b.down.dropped >= 3, "XA did not retry a lost receipt")
    assert _acknowledged(xa) == 0
    assert _count(xa, "select count(*) from outbox_message where receipt is not null") == 0
    assert _count(xb, requests_at_b) == 1
    assert _count(xb, "select count(*) from inbox_message") == 1

    assert _retrieve_all(xb) == 1
    wait_until(lambda: b_to_a.refused >= 3, "XB did not retry towards XA")
    assert _count(xa, "select count(*) from inbox_message") == 0
    assert_invariants([xa.store(), xb.store()])
    # XB restarts in the middle; its duplicate detection and its own outbox survive.
    xb.stop()
    xb.start()
    dropped = a_to_b.down.dropped
    wait_until(lambda: a_to_b.down.dropped > dropped, "XA did not retry after XB restarted")
    assert _count(xb, requests_at_b) == 1

    proxied_network.heal()
    wait_until(lambda: _acknowledged(xa) == REQUESTS, "XA's requests not delivered after heal")
    assert _retrieve_all(xb) == REQUESTS  # The two that waited are retrieved now.
    _settled(proxied_network, sent_by_a=REQUESTS, sent_by_b=REQUESTS)
    # XA holds XB's original receipts: the duplicates' answers carried them again.
    held = set(xa.rows("select message_id, receipt from outbox_message"))
    issued = set(xb.rows("select message_id, receipt from inbox_message where sender_state='XA'"))
    assert held == issued and len(held) == REQUESTS
    record("asymmetric_partitions_healed")


def test_a_slow_sliced_link_delivers_without_premature_retries(
    proxied_network: ProxiedNetwork,
) -> None:
    """X-04 (reduced): latency with jitter, a bandwidth cap and a slicer both ways."""
    xa, xb = proxied_network["XA"], proxied_network["XB"]
    for proxy in proxied_network.into.values():
        for direction in (proxy.up, proxy.down):
            direction.latency(300, 100).bandwidth(256).slicer(512, 128, delay_ms=1)
    xa.start()
    xb.start()
    for _ in range(2):
        send_mla(xa)
    wait_until(lambda: _acknowledged(xa) == 2, "XA's requests not delivered over the slow link")
    # Slow is not lost: each request went once, with no retry before its answer came.
    assert xa.rows("select attempts, last_error from outbox_message") == [(0, "")] * 2
    assert _count(xb, "select count(*) from cooperation_request") == 2
    assert_invariants([xa.store(), xb.store()], quiescent=True)
