"""Garbage from the peer (X-06, with R-10's forged signals): never a receipt, never a rejection.

XA's federation traffic to XB goes through a fault proxy. The proxy first points at a fake
peer holding XB's TLS certificate (the proxy moves bytes, so XA's mutual TLS reaches it as if
it were XB), which answers each attempt with another kind of garbage: random bytes, a
truncated body, an HTML 502 page, 200 with an empty body, a reset in the middle of the
response, and JSON whose receipt or signal is not a signature. XA must treat every one as a
transient failure and try again; then the proxy points back at the real XB, which receives
the request once, and XA holds XB's receipt.
"""

from __future__ import annotations

import os
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from tests.figures import record
from tests.invariants import assert_invariants
from tests.node_processes import (
    ProxiedNetwork,
    delivered_once,
    proxied_network,
    send_mla,
    wait_until,
)

__all__ = ["proxied_network"]

MESSAGES_PATH = b"/federation/v1/messages"


def _head(status: str, length: int, content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


def _whole(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return _head(status, len(body), content_type) + body


HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

# Each kind of garbage: what the fake peer writes, and whether it then resets the connection.
GARBAGE: dict[str, tuple[Callable[[], bytes], bool]] = {
    "random bytes": (lambda: os.urandom(512), False),
    "truncated body": (lambda: _head("200 OK", 400) + b'{"receipt": "eyJhbGciOi', False),
    "HTML 502": (lambda: _whole("502 Bad Gateway", HTML_502, "text/html"), False),
    "200 with an empty body": (lambda: _whole("200 OK", b""), False),
    "reset mid-response": (lambda: _head("200 OK", 300) + b'{"receipt": "ey', True),
    "a receipt that is no signature": (
        lambda: _whole("200 OK", b'{"receipt": "not.a.jws", "duplicate": false}'),
        False,
    ),
    "a signal that is no signature": (
        lambda: _whole("422 Unprocessable Entity", b'{"code": "POLICY_VIOLATION", "signal": "x"}'),
        False,
    ),
}


class FakePeer(socketserver.ThreadingTCPServer):
    """A TLS server with XB's certificate that answers each delivery with the next garbage."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cert: str, key: str) -> None:
        super().__init__(("127.0.0.1", 0), _GarbageHandler)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.served: list[str] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def next_kind(self) -> str:
        with self.lock:
            kind = list(GARBAGE)[len(self.served) % len(GARBAGE)]
            self.served.append(kind)
            return kind


class _GarbageHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: FakePeer = self.server  # type: ignore[assignment]
        try:
            tls = server.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with tls:
            try:
                self._answer(server, tls)
            except (ssl.SSLError, OSError):
                return

    def _answer(self, server: FakePeer, tls: ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = tls.recv(65536)
            if not chunk:
                return
            head += chunk
        headers, _, body = head.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                return
            body += chunk
        if MESSAGES_PATH not in headers.split(b"\r\n")[0]:
            tls.sendall(_whole("503 Service Unavailable", b"{}"))  # Witness calls wait.
            return
        answer, reset = GARBAGE[server.next_kind()]
        tls.sendall(answer())
        if reset:
            # Closed with SO_LINGER 0: the client sees a reset, not the end of the stream.
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def fake_xb(proxied_network: ProxiedNetwork) -> Iterator[FakePeer]:
    keys = proxied_network["XB"].data_dir / "keys"
    server = FakePeer(str(keys / "tls-server.pem"), str(keys / "tls-server.key"))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_garbage_answers_are_retried_and_the_real_peer_then_delivers_once(
    proxied_network: ProxiedNetwork, fake_xb: FakePeer
) -> None:
    xa, xb = proxied_network["XA"], proxied_network["XB"]
    a_to_b = proxied_network.into["XB"]
    real_xb = a_to_b.upstream
    a_to_b.upstream = fake_xb.port
    xa.start()
    xb.start()

    send_mla(xa)
    # Every kind served once, and the attempt after the last one made: each was a retry.
    wait_until(
        lambda: len(fake_xb.served) > len(GARBAGE), "XA stopped retrying garbage", xa._log_tail
    )
    assert set(fake_xb.served) == set(GARBAGE)
    assert xa.popen is not None and xa.popen.poll() is None
    outbox = xa.rows("select status, receipt, last_error, attempts from outbox_message")
    assert len(outbox) == 1
    status, receipt, last_error, attempts = outbox[0]
    assert (status, receipt) == ("pending", None)
    assert last_error and attempts >= len(GARBAGE)
    stages = {row[0] for row in xa.rows("select stage from delivery_evidence")}
    assert stages.isdisjoint({"delivered", "not_delivered", "rejected", "relay_failed"}), stages
    assert xb.count("select count(*) from cooperation_request") == 0

    # The real XB again (open connections to the fake one are reset).
    a_to_b.upstream = real_xb
    a_to_b.cut()
    a_to_b.heal()
    delivered_once(xa, xb)
    assert_invariants([xa.store(), xb.store()], quiescent=True)
    record("peer_garbage_kinds", len(GARBAGE))
