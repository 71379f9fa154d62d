"""Real node processes over loopback mutual TLS, killed at named crash points.

A test switches one crash point on (SIGKILL at that line), drives the officers' API, restarts
the killed node without faults and checks what the invariants promise: exactly one request
at the receiver and exactly one ``delivered`` evidence at the sender (INV-1, INV-2).
"""

from __future__ import annotations

import pytest

from tests.node_processes import Process, delivered_once, network, send_mla, wait_until

__all__ = ["network"]


@pytest.mark.parametrize("crash_point", ["recv_after_verify", "recv_before_commit"])
def test_the_receiver_killed_during_delivery_ends_with_exactly_one_request(
    network: dict[str, Process], crash_point: str
) -> None:
    xa, xb = network["XA"], network["XB"]
    xa.start()
    xb.start(COMITY_TEST_FAULTS="1", COMITY_FAULT_AT=crash_point)
    send_mla(xa)
    wait_until(xb.killed, f"XB was not killed at {crash_point}", xb._log_tail)
    assert xb.count("select count(*) from cooperation_request") == 0
    xb.start()
    delivered_once(xa, xb)


@pytest.mark.parametrize(
    "crash_point", ["before_http_send", "after_http_send_before_receipt_store"]
)
def test_the_sender_killed_around_sending_delivers_after_restart(
    network: dict[str, Process], crash_point: str
) -> None:
    xa, xb = network["XA"], network["XB"]
    xb.start()
    xa.start(COMITY_TEST_FAULTS="1", COMITY_FAULT_AT=crash_point)
    send_mla(xa, may_crash=True)
    wait_until(xa.killed, f"XA was not killed at {crash_point}", xa._log_tail)
    # The outbox row was committed with the step: it survives the crash.
    assert xa.count("select count(*) from outbox_message where status='pending'") == 1
    xa.start()
    delivered_once(xa, xb)
