"""A real HTTP server on 127.0.0.1 with scripted answers: the error paths' counterpart.

Each request (one per connection: every answer closes it) is recorded and answered
by the next scripted :data:`Reply`; a reply may be an SSE stream, an error status,
raw bytes or silence.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import SocketStream

#: Writes an answer on the connection.
Reply = Callable[[SocketStream], Awaitable[None]]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_reply(status: int, body: Any = "", headers: dict[str, str] | None = None) -> Reply:
    """Answer ``status`` with ``body`` (JSON-encoded unless bytes or str)."""
    data = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else json.dumps(body).encode()
    kind = "application/json" if not isinstance(body, (bytes, str)) else "text/plain"

    async def reply(stream: SocketStream) -> None:
        head = {"Content-Type": kind, "Content-Length": str(len(data))} | (headers or {})
        await stream.send(_head(status, head) + data)

    return reply


def text_chunk(text: str) -> dict[str, Any]:
    """A chat completion chunk carrying ``text``."""
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


def sse_reply(events: list[Any], *, done: bool = True, delay: float = 0.0, gone: anyio.Event | None = None) -> Reply:
    """Stream ``events`` (dicts are JSON-encoded, str sent as the data) then ``[DONE]``.

    ``delay`` s pass before each event; ``gone`` is set when the client hangs up first.
    """

    async def reply(stream: SocketStream) -> None:
        await stream.send(_head(200, {"Content-Type": "text/event-stream"}))
        try:
            for event in [*events, *(["[DONE]"] if done else [])]:
                await anyio.sleep(delay)
                data = event if isinstance(event, str) else json.dumps(event)
                await stream.send(f"data: {data}\n\n".encode())
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError):
            if gone is not None:
                gone.set()

    return reply


def raw_reply(data: bytes) -> Reply:
    """Send ``data`` as the whole answer, HTTP or not."""

    async def reply(stream: SocketStream) -> None:
        await stream.send(data)

    return reply


def silent_reply(gone: anyio.Event | None = None) -> Reply:
    """Never answer; set ``gone`` when the client hangs up."""

    async def reply(stream: SocketStream) -> None:
        try:
            while await stream.receive():
                pass
        except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionError):
            pass
        if gone is not None:
            gone.set()

    return reply


class LoopbackServer:
    """The server; ``url`` is its API root (``http://127.0.0.1:<port>/v1``)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1"
        self.requests: list[Request] = []
        self._replies: list[Reply] = []

    def reply(self, *replies: Reply) -> None:
        """Queue answers for the next requests, in order."""
        self._replies.extend(replies)

    async def _serve(self, stream: SocketStream) -> None:
        async with stream:
            try:
                request = await _read_request(stream)
            except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionError):
                return
            self.requests.append(request)
            reply = self._replies.pop(0) if self._replies else status_reply(500, {"error": "no reply scripted"})
            try:
                await reply(stream)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError):
                pass


async def _read_request(stream: SocketStream) -> Request:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
    head, _, body = buffer.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += await stream.receive()
    method, path, _ = request_line.split(" ", 2)
    return Request(method, path, headers, body)


@asynccontextmanager
async def loopback_server() -> AsyncIterator[LoopbackServer]:
    """Run a :class:`LoopbackServer` on a free port for the block."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server = LoopbackServer(port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, server._serve, group)
        try:
            yield server
        finally:
            group.cancel_scope.cancel()


def closed_port_url() -> str:
    """The API root of a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
