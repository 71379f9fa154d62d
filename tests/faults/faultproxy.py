"""A user-space TCP fault proxy (security-test-plan §5.2): netem is not available here.

One ``FaultProxy`` listens on a loopback port and forwards every connection to an upstream
port, in an asyncio loop on its own thread; the test holds the Python handle. Each direction
(``up``: client → upstream, the requests; ``down``: upstream → client, the answers) carries
its own faults, in the spirit of Toxiproxy's toxics: latency, bandwidth, slicer, limit_data,
timeout (0 = black hole), reset_peer (RST through SO_LINGER 0), slow_close, corrupt and
drop (``drop_response`` on the way down: the request reaches the upstream, its answer is
swallowed, which is a lost receipt). ``cut()`` partitions the link (open connections are
reset, new ones refused with a reset) until ``heal()``. Counters say how many connections and
bytes went through, so a test can assert that no call was made.

TLS passes through untouched: the proxy only moves bytes, so mutual TLS between nodes works
through it and a fault at this level is what a real network does to the TLS records.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Direction:
    """The faults applied to the bytes flowing one way; every method returns ``self``."""

    name: str
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    kb_per_s: float | None = None
    slices: tuple[int, int, float] | None = None
    limit: int | None = None
    timeout_ms: float | None = None
    reset: bool = False
    slow_close_ms: float = 0.0
    corrupt_probability: float = 0.0
    corrupt_offset: int | None = None
    drops: int = 0
    drop_after_reads: int = 2
    bytes: int = 0
    flipped: int = 0
    dropped: int = 0

    def latency(self, ms: float, jitter: float = 0.0) -> Direction:
        """Hold every chunk ``ms`` ± ``jitter`` milliseconds before forwarding it."""
        self.latency_ms, self.jitter_ms = ms, jitter
        return self

    def bandwidth(self, kb_per_s: float) -> Direction:
        """Forward at most ``kb_per_s`` KiB per second (per connection)."""
        self.kb_per_s = kb_per_s
        return self

    def slicer(self, average: int, variation: int = 0, delay_ms: float = 0.0) -> Direction:
        """Cut every chunk into pieces of ``average`` ± ``variation`` bytes, ``delay_ms``
        apart: the receiver sees short reads and split TLS records."""
        self.slices = (max(1, average), variation, delay_ms)
        return self

    def limit_data(self, n: int) -> Direction:
        """Close the connection once ``n`` bytes went this way on it."""
        self.limit = n
        return self

    def timeout(self, ms: float) -> Direction:
        """Stop forwarding; close the connection after ``ms`` (0: a black hole, held open)."""
        self.timeout_ms = ms
        return self

    def reset_peer(self) -> Direction:
        """Reset (RST, SO_LINGER 0) both sides as soon as a byte goes this way."""
        self.reset = True
        return self

    def slow_close(self, ms: float) -> Direction:
        """When this side closes, pass the close on only ``ms`` later."""
        self.slow_close_ms = ms
        return self

    def corrupt(self, *, probability: float = 0.0, offset: int | None = None) -> Direction:
        """Flip bytes: each with ``probability``, or the one at stream ``offset`` of each
        connection."""
        self.corrupt_probability, self.corrupt_offset = probability, offset
        return self

    def drop(self, count: int = 1, *, after_reads: int = 2) -> Direction:
        """Swallow what comes this way on the next ``count`` connections, once the other
        direction has carried ``after_reads`` reads, and reset each such connection when it
        has been quiet for a moment (on ``down``: the upstream acted, its answer is lost).

        Over TLS the client's second flight (its Finished, then the request) is its second
        read: what the server sends before that is the handshake, which must pass. Over a
        plain protocol one read (the request) is enough.
        """
        self.drops, self.drop_after_reads = count, after_reads
        return self

    def clear(self) -> Direction:
        """Remove every fault of this direction (the counters stay)."""
        kept = {"name": self.name, "bytes": self.bytes, "flipped": self.flipped}
        self.__dict__.update(Direction(**kept, dropped=self.dropped).__dict__)
        return self


@dataclass(eq=False)
class _Link:
    """One proxied connection: the client's and the upstream's writers."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})
    dropping_since: float | None = None


class FaultProxy:
    """A TCP proxy ``127.0.0.1:port`` → ``127.0.0.1:upstream`` with faults per direction.

    Use as a context manager, or ``start()``/``stop()``. Control methods may be called from
    any thread; they take effect for the next bytes (``cut`` also resets open connections).
    """

    def __init__(self, upstream: int, *, port: int = 0, seed: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self.up = Direction("up")
        self.down = Direction("down")
        self.connections = 0
        self.refused = 0
        self._cut = False
        self._random = random.Random(seed)
        self._links: set[_Link] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # Life cycle.

    def start(self) -> FaultProxy:
        """Listen (on ``port``, or a free one that ``port`` then holds) and serve."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Close the listener and every connection, and end the thread."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # Control.

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect."""
        return ("127.0.0.1", self.port)

    def cut(self) -> None:
        """Partition: reset every open connection and refuse new ones until ``heal``."""
        self._cut = True
        asyncio.run_coroutine_threadsafe(self._reset_all(), self._loop).result(timeout=10)

    def heal(self) -> None:
        """End the partition and every fault of both directions."""
        self._cut = False
        self.up.clear()
        self.down.clear()

    def drop_response(self, count: int = 1, *, tls: bool = True) -> None:
        """Forward the next ``count`` requests and swallow their answers (lost receipts)."""
        self.down.drop(count, after_reads=2 if tls else 1)

    @property
    def bytes_up(self) -> int:
        """Bytes forwarded client → upstream so far."""
        return self.up.bytes

    @property
    def bytes_down(self) -> int:
        """Bytes forwarded upstream → client so far."""
        return self.down.bytes

    # The loop's side.

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._reset_all()

    async def _reset_all(self) -> None:
        for link in list(self._links):
            _abort(link.client)
            if link.upstream is not None:
                _abort(link.upstream)
            for task in link.tasks:
                task.cancel()
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            _abort(writer)
            return
        self.connections += 1
        link = _Link(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            _abort(writer)
            return
        link.upstream = up_writer
        self._links.add(link)
        link.tasks = [
            asyncio.ensure_future(self._pump(reader, up_writer, self.up, link)),
            asyncio.ensure_future(self._pump(up_reader, writer, self.down, link)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.discard(link)
        _close(writer)
        _close(up_writer)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        faults: Direction,
        link: _Link,
    ) -> None:
        sent = 0
        other = "down" if faults.name == "up" else "up"
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                link.reads[faults.name] += 1
                if faults.reset:
                    self._reset_link(link)
                    return
                if link.dropping_since is None and (
                    faults.drops > 0 and link.reads[other] >= faults.drop_after_reads
                ):
                    faults.drops -= 1
                    faults.dropped += 1
                    link.dropping_since = asyncio.get_running_loop().time()
                    link.tasks.append(asyncio.ensure_future(self._reset_when_quiet(link)))
                if link.dropping_since is not None:
                    link.dropping_since = asyncio.get_running_loop().time()
                    continue  # Swallowed; the connection is reset once the answer is over.
                if faults.timeout_ms is not None:
                    if faults.timeout_ms > 0:
                        await asyncio.sleep(faults.timeout_ms / 1000)
                        self._reset_link(link)
                        return
                    continue  # A black hole: read and forget, keep the connection open.
                if faults.limit is not None and sent + len(data) >= faults.limit:
                    data = data[: max(0, faults.limit - sent)]
                    await self._forward(writer, self._damaged(data, sent, faults), faults)
                    self._close_link(link)
                    return
                await self._forward(writer, self._damaged(data, sent, faults), faults)
                sent += len(data)
            if faults.slow_close_ms:
                await asyncio.sleep(faults.slow_close_ms / 1000)
            with contextlib.suppress(OSError, RuntimeError):
                if writer.can_write_eof():
                    writer.write_eof()
        except (OSError, asyncio.IncompleteReadError):
            self._reset_link(link)

    async def _reset_when_quiet(self, link: _Link, quiet: float = 0.3) -> None:
        """Reset a link whose answer is being swallowed once nothing came for ``quiet`` s."""
        loop = asyncio.get_running_loop()
        while link.dropping_since is not None and loop.time() - link.dropping_since < quiet:
            await asyncio.sleep(quiet / 3)
        self._reset_link(link)

    def _damaged(self, data: bytes, offset: int, faults: Direction) -> bytes:
        flips: list[int] = []
        if faults.corrupt_offset is not None and offset <= faults.corrupt_offset < offset + len(
            data
        ):
            flips.append(faults.corrupt_offset - offset)
        if faults.corrupt_probability > 0:
            flips.extend(
                i for i in range(len(data)) if self._random.random() < faults.corrupt_probability
            )
        if not flips:
            return data
        damaged = bytearray(data)
        for index in flips:
            damaged[index] ^= 0xFF
        faults.flipped += len(flips)
        return bytes(damaged)

    async def _forward(self, writer: asyncio.StreamWriter, data: bytes, faults: Direction) -> None:
        pieces = [data]
        pause = 0.0
        if faults.slices is not None:
            average, variation, delay_ms = faults.slices
            pieces, pause, start = [], delay_ms / 1000, 0
            while start < len(data):
                size = max(1, average + self._random.randint(-variation, variation))
                pieces.append(data[start : start + size])
                start += size
        if faults.kb_per_s:
            # Twenty pieces a second at most, each sent once its share of time has passed.
            size = max(1, int(faults.kb_per_s * 1024 / 20))
            pieces = [p[i : i + size] for p in pieces for i in range(0, len(p), size)]
        if faults.latency_ms or faults.jitter_ms:
            # Once per read: what arrived meanwhile is read (and held) together next time, so
            # a request-response exchange pays one latency per flight, as on a real link.
            jitter = self._random.uniform(-faults.jitter_ms, faults.jitter_ms)
            await asyncio.sleep(max(0.0, faults.latency_ms + jitter) / 1000)
        for index, piece in enumerate(pieces):
            if index and pause:
                await asyncio.sleep(pause)
            if faults.kb_per_s:
                await asyncio.sleep(len(piece) / (faults.kb_per_s * 1024))
            faults.bytes += len(piece)
            writer.write(piece)
            await writer.drain()

    def _reset_link(self, link: _Link) -> None:
        _abort(link.client)
        if link.upstream is not None:
            _abort(link.upstream)

    def _close_link(self, link: _Link) -> None:
        _close(link.client)
        if link.upstream is not None:
            _close(link.upstream)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset (SO_LINGER 0), as a crashed or hostile peer does."""
    sock: Any = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()
