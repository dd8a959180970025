"""A small loopback client for the bot servers: one HTTP request, or an RTVI WebSocket session.

Standard library only (``asyncio.Protocol``), so the very same client runs against
both frameworks' servers and costs little CPU on the core it shares with them.

* :func:`http_request` sends one HTTP/1.1 request on a new connection
  (``Connection: close``) and returns the status and body.
* :class:`RTVISession` opens a WebSocket (RFC 6455, no extensions), sends masked
  binary frames and matches the RTVI replies to requests by ``id``. Each reply's
  arrival is stamped in ``data_received``, so a latency is request sent -> reply
  bytes read, before the client's own event loop wakes the waiting coroutine.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import struct
import time
from collections import Counter
from typing import Any

from wire import decode_message, encode_message, rtvi

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_REPLY_TYPES = frozenset({"bot-ready", "server-response", "error-response"})
_ids = itertools.count()


class ServerError(RuntimeError):
    """The server answered with something the benchmark cannot use."""


async def http_request(
    host: str, port: int, method: str, path: str, body: Any = None, timeout: float = 30.0
) -> tuple[int, bytes]:
    """Send one request (``body`` as JSON when given); return ``(status, body)``."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nOrigin: http://{host}:{port}\r\n"
        )
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        elif method == "POST":
            head += "Content-Length: 0\r\n"
        writer.write(head.encode("latin-1") + b"\r\n" + payload)
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        raise ServerError(f"{method} {path}: no HTTP response ({data[:80]!r})")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        rest = _unchunk(rest)
    return status, rest


def _unchunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        line_end = data.index(b"\r\n", pos)
        size = int(data[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[line_end + 2 : line_end + 2 + size]
        pos = line_end + 4 + size


def _mask(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    mask = int.from_bytes((key * (n // 4 + 1))[:n], "little")
    return (int.from_bytes(payload, "little") ^ mask).to_bytes(n, "little")


def frame_head(opcode: int, n: int) -> bytes:
    """The head of a final client frame: ``opcode``, the mask bit and the payload length ``n``
    (the 4-byte masking key follows it)."""
    if n < 126:
        return struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    if n < 1 << 16:
        return struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    return struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)


class RTVISession(asyncio.Protocol):
    """One RTVI client over a WebSocket carrying binary protobuf frames.

    Use :meth:`connect`, then :meth:`request` (one reply expected per request),
    then :meth:`close`. ``other_messages`` counts the RTVI messages that answer
    no request (events the bot sends on its own), ``non_message_frames`` the
    frames that are not RTVI messages (audio...).
    """

    def __init__(self, host: str, port: int, path: str) -> None:
        loop = asyncio.get_running_loop()
        self._host, self._port, self._path = host, port, path
        self._key = base64.b64encode(os.urandom(16))
        self._buf = bytearray()
        self._fragments: list[bytes] = []
        self._transport: asyncio.Transport | None = None
        self._opened = loop.create_future()
        self.closed = loop.create_future()
        self._pending: dict[str, asyncio.Future] = {}
        self.close_reason = ""  # the server's close frame: "code reason"
        self.other_messages: Counter[str] = Counter()
        self.non_message_frames = 0

    @classmethod
    async def connect(cls, host: str, port: int, path: str = "/ws", timeout: float = 30.0) -> RTVISession:
        """Open the WebSocket (handshake done when this returns)."""
        loop = asyncio.get_running_loop()
        _, session = await loop.create_connection(lambda: cls(host, port, path), host, port)
        await asyncio.wait_for(asyncio.shield(session._opened), timeout)
        return session

    # ----------------------------------------------------------------- requests

    async def request(self, type_: str, data: Any = None) -> tuple[dict, int]:
        """Send one RTVI request; return its reply and the round trip in nanoseconds.

        No timeout of its own (a timer per request would add to the client's cost):
        a lost connection fails it; callers bound a whole phase with ``wait_for``.
        """
        msg_id = f"b{next(_ids)}"
        reply = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = reply
        sent = time.perf_counter_ns()
        self.send_binary(encode_message(rtvi(type_, msg_id, data)))
        try:
            message, received = await reply
        finally:
            del self._pending[msg_id]
        return message, received - sent

    async def ready(self, timeout: float = 30.0) -> dict:
        """``client-ready`` -> ``bot-ready`` (raises :class:`ServerError` on anything else)."""
        about = {"library": "rtvi-bench-client", "library_version": "0"}
        request = self.request("client-ready", {"version": "2.1.0", "about": about})
        reply, _ = await asyncio.wait_for(request, timeout)
        if reply.get("type") != "bot-ready":
            raise ServerError(f"client-ready answered with {reply!r}")
        return reply

    def send_binary(self, payload: bytes) -> None:
        """One masked binary frame."""
        self._send_frame(0x2, payload)

    async def close(self, timeout: float = 10.0) -> None:
        """Close handshake (1000), then wait until the server has closed the TCP connection."""
        if self._transport is not None and not self._transport.is_closing():
            self._send_frame(0x8, struct.pack("!H", 1000))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            self._transport.abort()

    # ----------------------------------------------------------------- protocol

    def connection_made(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        transport.write(
            (
                f"GET {self._path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {self._key.decode()}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://{self._host}:{self._port}\r\n\r\n"
            ).encode("latin-1")
        )

    def data_received(self, data: bytes) -> None:
        received = time.perf_counter_ns()
        self._buf += data
        if not self._opened.done() and not self._handshake():
            return
        self._parse_frames(received)

    def connection_lost(self, exc: Exception | None) -> None:
        closed = f"closed by the server: {self.close_reason}" if self.close_reason else "closed by the server"
        error = ServerError(f"connection lost ({exc or closed})")
        if not self._opened.done():
            self._opened.set_exception(error)
        for reply in self._pending.values():
            if not reply.done():
                reply.set_exception(error)
        if not self.closed.done():
            self.closed.set_result(None)

    def _handshake(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        accept = base64.b64encode(hashlib.sha1(self._key + _WS_GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or accept not in head:
            self._opened.set_exception(ServerError(f"WebSocket handshake refused: {head.splitlines()[0]!r}"))
            self._transport.close()
            return False
        self._opened.set_result(None)
        return True

    def _parse_frames(self, received: int) -> None:
        buf = self._buf
        while len(buf) >= 2:
            fin, opcode, length = buf[0] & 0x80, buf[0] & 0x0F, buf[1] & 0x7F
            if buf[1] & 0x80:
                raise ServerError("the server masked a frame")
            pos = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, pos = struct.unpack_from("!H", buf, 2)[0], 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, pos = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < pos + length:
                return
            payload = bytes(buf[pos : pos + length])
            del buf[: pos + length]
            self._on_frame(fin, opcode, payload, received)

    def _on_frame(self, fin: int, opcode: int, payload: bytes, received: int) -> None:
        if opcode == 0x9:  # ping
            self._send_frame(0xA, payload)
        elif opcode == 0x8:  # close: answer it; the server then closes TCP
            if len(payload) >= 2:
                code = struct.unpack_from("!H", payload)[0]
                self.close_reason = f"{code} {payload[2:].decode(errors='replace')}".strip()
            if not self._transport.is_closing():
                self._send_frame(0x8, payload[:2])
        elif opcode in (0x0, 0x1, 0x2):
            self._fragments.append(payload)
            if fin:
                message = b"".join(self._fragments)
                self._fragments.clear()
                self._on_message(message, received)

    def _on_message(self, frame: bytes, received: int) -> None:
        message = decode_message(frame)
        if message is None:
            self.non_message_frames += 1
            return
        reply = self._pending.get(message.get("id")) if message.get("type") in _REPLY_TYPES else None
        if reply is not None and not reply.done():
            reply.set_result((message, received))
        else:
            self.other_messages[message.get("type", "?")] += 1

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        key = os.urandom(4)
        self._transport.write(frame_head(opcode, len(payload)) + key + _mask(payload, key))
