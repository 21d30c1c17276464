"""A loopback TCP proxy that plays "the service is down": ``close()`` drops the listener and every
connection, ``open()`` listens again on the same port, ``unavailable()`` answers every new connection
with an HTTP 503 (Elasticsearch while its shards recover).

Kafka clients connect to the addresses the broker advertises, not to the bootstrap address, so a
plain forwarder cannot stand between them and the broker. With ``tunnel=True`` the proxy is an HTTP
CONNECT proxy instead (kafka-python's ``proxy_url``, Dozor's ``DOZOR_KAFKA_PROXY_URL``): every broker
connection of the client goes through it, and closing it cuts the client off the broker."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

_BODY_503 = b'{"error":{"type":"search_phase_execution_exception","reason":"all shards failed"},"status":503}'
_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nX-Elastic-Product: Elasticsearch\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BODY_503), _BODY_503)
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target (or, with ``tunnel``, to where each CONNECT request names:
    loopback only)."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None, *, tunnel: bool = False) -> None:
        self.target = (target_host, target_port)
        self.tunnel = tunnel
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="tcp-proxy")
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._unavailable = False

    @property
    def url(self) -> str:
        """As a proxy URL (for ``tunnel``)."""
        return f"http://127.0.0.1:{self.port}"

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def open(self) -> None:
        self._unavailable = False
        self._call(self._open())

    def close(self) -> None:
        self._call(self._close())

    def unavailable(self) -> None:
        """Listen, but answer every new connection with HTTP 503 (and drop the open ones)."""
        self._call(self._close())
        self._unavailable = True
        self._call(self._open())

    def stop(self) -> None:
        self.close()
        self._call(self._cancel_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _cancel_all(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self._unavailable:
                await reader.read(65536)  # the request (or its start)
                writer.write(_503)
                await writer.drain()
                writer.close()
                return
            target = await self._tunnel_target(reader, writer) if self.tunnel else self.target
            if target is None:
                return
            up_reader, up_writer = await asyncio.open_connection(*target)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            writer.close()
            return
        if writer not in self._writers:  # closed meanwhile
            up_writer.close()
            return
        self._writers.add(up_writer)
        if self.tunnel:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _tunnel_target(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[str, int] | None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        method, where, _ = head.split(" ", 2)
        host, _, port = where.rpartition(":")
        if method != "CONNECT" or host.strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return None
        return host.strip("[]"), int(port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
