"""The fault proxy's own tests, with plain sockets and an echo server: each fault does to the
bytes what it says, and the counters count what went through."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.faults.faultproxy import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    """Answers every chunk it reads with the same bytes; records what it received."""

    def handle(self) -> None:
        server: EchoServer = self.server  # type: ignore[assignment]
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return
            if not data:
                return
            with server.lock:
                server.received.append(data)
            try:
                self.request.sendall(data)
            except OSError:
                return


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.received: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def total(self) -> bytes:
        with self.lock:
            return b"".join(self.received)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy(echo: EchoServer) -> Iterator[FaultProxy]:
    with FaultProxy(echo.port, seed=7) as running:
        yield running


def _client(proxy: FaultProxy, timeout: float = 2.0) -> socket.socket:
    client = socket.create_connection(proxy.address, timeout=timeout)
    return client


def _read_exactly(client: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = client.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _wait(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_bytes_go_both_ways_and_are_counted(proxy: FaultProxy, echo: EchoServer) -> None:
    with _client(proxy) as client:
        client.sendall(b"hello")
        assert _read_exactly(client, 5) == b"hello"
    assert (proxy.connections, proxy.bytes_up, proxy.bytes_down) == (1, 5, 5)
    assert echo.total == b"hello"


def test_latency_holds_each_chunk(proxy: FaultProxy) -> None:
    proxy.up.latency(150)
    with _client(proxy) as client:
        started = time.monotonic()
        client.sendall(b"x")
        assert _read_exactly(client, 1) == b"x"
        assert time.monotonic() - started >= 0.15


def test_bandwidth_limits_throughput(proxy: FaultProxy) -> None:
    proxy.down.bandwidth(100)  # KiB/s: 20 KiB take at least 0.2 s
    payload = b"b" * 20 * 1024
    with _client(proxy) as client:
        started = time.monotonic()
        client.sendall(payload)
        assert _read_exactly(client, len(payload)) == payload
        assert time.monotonic() - started >= 0.18


def test_slicer_splits_the_stream_into_small_pieces(proxy: FaultProxy, echo: EchoServer) -> None:
    proxy.up.slicer(10, 3, delay_ms=5)
    payload = bytes(range(200))
    with _client(proxy) as client:
        client.sendall(payload)
        assert _read_exactly(client, len(payload)) == payload
    assert echo.total == payload
    assert len(echo.received) > 5  # The upstream read many short pieces, not one.


def test_limit_data_closes_after_n_bytes(proxy: FaultProxy) -> None:
    proxy.down.limit_data(10)
    with _client(proxy) as client:
        client.sendall(b"0123456789abcdef")
        assert _read_exactly(client, 16) == b"0123456789"


def test_a_zero_timeout_is_a_black_hole_that_holds_the_connection(proxy: FaultProxy) -> None:
    proxy.down.timeout(0)
    with _client(proxy, timeout=0.5) as client:
        client.sendall(b"into the void")
        with pytest.raises(TimeoutError):
            client.recv(10)
    assert proxy.bytes_up == len(b"into the void")
    assert proxy.bytes_down == 0


def test_a_timeout_closes_the_connection_later(proxy: FaultProxy) -> None:
    proxy.up.timeout(100)
    with _client(proxy) as client:
        started = time.monotonic()
        client.sendall(b"x")
        with pytest.raises((ConnectionResetError, OSError)):
            if client.recv(10) == b"":
                raise OSError("closed")
        assert time.monotonic() - started >= 0.1


def test_reset_peer_sends_a_reset(proxy: FaultProxy, echo: EchoServer) -> None:
    proxy.up.reset_peer()
    with _client(proxy) as client:
        client.sendall(b"x")
        with pytest.raises(ConnectionResetError):
            client.recv(10)
    assert echo.total == b""


def test_slow_close_delays_the_end_of_stream(proxy: FaultProxy) -> None:
    proxy.up.slow_close(200)
    with _client(proxy) as client:
        client.sendall(b"x")
        assert _read_exactly(client, 1) == b"x"
        started = time.monotonic()
        client.shutdown(socket.SHUT_WR)
        assert client.recv(10) == b""  # The echo server closes once the proxy passes EOF on.
        assert time.monotonic() - started >= 0.2


def test_corrupt_flips_the_byte_at_an_offset(proxy: FaultProxy, echo: EchoServer) -> None:
    proxy.up.corrupt(offset=3)
    with _client(proxy) as client:
        client.sendall(b"\x00" * 8)
        assert _read_exactly(client, 8) == b"\x00\x00\x00\xff\x00\x00\x00\x00"
    assert proxy.up.flipped == 1


def test_corrupt_with_a_probability_flips_some_bytes(proxy: FaultProxy) -> None:
    proxy.down.corrupt(probability=0.5)
    with _client(proxy) as client:
        client.sendall(b"\x00" * 100)
        received = _read_exactly(client, 100)
    assert 0 < received.count(b"\xff") == proxy.down.flipped < 100


def test_drop_response_forwards_the_request_and_swallows_the_answer(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    proxy.drop_response(1, tls=False)
    with _client(proxy) as client:
        client.sendall(b"receipt please")
        with pytest.raises(ConnectionResetError):
            if client.recv(100) == b"":
                raise ConnectionResetError("closed without an answer")
    _wait(lambda: echo.total == b"receipt please")  # The upstream did act on it.
    assert proxy.down.dropped == 1
    with _client(proxy) as client:  # Only the next answer was dropped.
        client.sendall(b"again")
        assert _read_exactly(client, 5) == b"again"


def test_cut_resets_open_connections_and_refuses_new_ones_until_heal(proxy: FaultProxy) -> None:
    with _client(proxy) as open_before:
        open_before.sendall(b"x")
        assert _read_exactly(open_before, 1) == b"x"
        proxy.cut()
        with pytest.raises(ConnectionResetError):
            open_before.sendall(b"y")
            if open_before.recv(10) == b"":
                raise ConnectionResetError("closed")
    with pytest.raises(ConnectionResetError), _client(proxy) as refused:
        refused.sendall(b"z")
        if refused.recv(10) == b"":
            raise ConnectionResetError("closed")
    assert proxy.refused == 1
    proxy.heal()
    with _client(proxy) as after:
        after.sendall(b"back")
        assert _read_exactly(after, 4) == b"back"
    assert proxy.connections == 2


def test_the_upstream_can_be_pointed_elsewhere(proxy: FaultProxy) -> None:
    other = EchoServer()
    threading.Thread(target=other.serve_forever, args=(0.05,), daemon=True).start()
    try:
        proxy.upstream = other.port
        with _client(proxy) as client:
            client.sendall(b"moved")
            assert _read_exactly(client, 5) == b"moved"
        assert other.total == b"moved"
    finally:
        other.shutdown()
        other.server_close()
