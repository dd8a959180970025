"""A loopback HTTP/1.1 server for provider fakes: the plumbing, not the provider.

A provider plugin's tests run its client against a fake of the provider that speaks
the provider's real wire protocol on 127.0.0.1. This module does the part every such
fake shares:

* :func:`loopback_http_server` reads each request (one per connection; every answer
  closes it) and hands it to a handler with an :class:`HTTPReply` to answer through —
  a JSON status, a stream of server-sent events, raw bytes, or nothing at all;
* :class:`StreamingFake` is the base of a fake whose answers are SSE streams: it records
  the requests, streams the events its :meth:`~StreamingFake.answer` makes (paced, one
  token every ``token_delay`` seconds), refuses a request with :class:`HTTPFailure`, and
  replaces the next answers with queued faults (:func:`after`, :func:`stall`,
  :func:`silent`, :func:`raw`, or the fake's own)::

    class FakeProvider(StreamingFake):
        def answer(self, request: HTTPRequest) -> list[Event]:
            return [(None, {"text": "Hello"}), (None, {"text": " there", "done": True})]

    async with serve(FakeProvider(token_delay=0)) as fake:
        fake.fail(after(1))                 # the next answer: one event, then hang up
        ...                                 # point the client at fake.url
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import anyio
from anyio.abc import SocketAttribute, SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream

logger = logging.getLogger("rtvi_core.testing.http_fake")

#: Failures of a write to, or a read from, a client that has gone.
_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, ConnectionError)

#: The longest request head and body the server reads.
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass
class HTTPRequest:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


class HTTPReply:
    """The answer to one request; a write to a client that has gone sets :attr:`gone`."""

    def __init__(self, stream: SocketStream) -> None:
        self._stream = stream
        #: Set when the client hung up before the answer was complete.
        self.gone = anyio.Event()

    async def send(self, data: bytes) -> None:
        """Write ``data`` as it is (raise if the client has gone)."""
        try:
            await self._stream.send(data)
        except _GONE:
            self.gone.set()
            raise

    async def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Write the status line and headers (``Connection: close`` included)."""
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """A whole answer with a JSON body (bytes or str are sent as they are)."""
        data = (
            body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else json.dumps(body).encode()
        )
        kind = "application/json" if not isinstance(body, (bytes, str)) else "text/plain"
        await self.head(status, {"Content-Type": kind, "Content-Length": str(len(data))} | (headers or {}))
        await self.send(data)

    async def start_events(self, headers: dict[str, str] | None = None) -> None:
        """Start a 200 stream of server-sent events."""
        await self.head(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"} | (headers or {}))

    async def event(self, data: Any, name: str | None = None) -> None:
        """Write one event: ``data`` JSON-encoded unless a str, with an ``event:`` line if named."""
        text = data if isinstance(data, str) else json.dumps(data)
        prefix = f"event: {name}\n" if name else ""
        await self.send(f"{prefix}data: {text}\n\n".encode())

    async def wait_gone(self) -> None:
        """Read until the client hangs up (answer nothing)."""
        try:
            while await self._stream.receive():
                pass
        except _GONE:
            pass
        self.gone.set()


Handler = Callable[[HTTPRequest, HTTPReply], Awaitable[None]]


async def _read_request(stream: SocketStream) -> HTTPRequest:
    buffered = BufferedByteReceiveStream(stream)
    head = await buffered.receive_until(b"\r\n\r\n", MAX_HEAD)
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = min(int(headers.get("content-length") or 0), MAX_BODY)
    body = await buffered.receive_exactly(length) if length else b""
    url = urlsplit(target)
    return HTTPRequest(method, url.path, dict(parse_qsl(url.query)), headers, body)


@asynccontextmanager
async def loopback_http_server(handler: Handler) -> AsyncIterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1 for the block; yields the root URL."""

    async def serve(stream: SocketStream) -> None:
        async with stream:
            try:
                request = await _read_request(stream)
            except (*_GONE, anyio.IncompleteRead, anyio.DelimiterNotFound, ValueError):
                return
            reply = HTTPReply(stream)
            try:
                await handler(request, reply)
            except _GONE:
                pass
            except Exception as exc:  # a bug in the fake: say so, keep serving
                logger.exception("the fake's handler failed on %s %s", request.method, request.path)
                try:
                    await reply.json(500, {"error": f"the fake failed: {exc!r}"})
                except _GONE:
                    pass

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, serve, group)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            group.cancel_scope.cancel()


#: One server-sent event: its ``event:`` name (or None) and its data.
Event = tuple[str | None, Any]
#: An answer in place of the fake's own: gets the reply and the events the fake would send.
Fault = Callable[[HTTPReply, list[Event]], Awaitable[None]]


class HTTPFailure(Exception):
    """Raised by :meth:`StreamingFake.answer`: answer ``status`` with the JSON ``body``."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers


class StreamingFake:
    """Base of a provider fake that answers with a stream of server-sent events.

    Subclasses implement :meth:`answer` (check the request, make the events) and may
    override :meth:`paced` (which events wait ``token_delay`` first: by default all).
    """

    def __init__(self, *, token_delay: float = 0.02) -> None:
        #: The root URL once served (see :func:`serve`).
        self.url = ""
        self.token_delay = token_delay
        self.requests: list[HTTPRequest] = []
        #: The answer to each request (``gone`` tells whether the client hung up early).
        self.replies: list[HTTPReply] = []
        self._faults: list[Fault] = []

    def fail(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, in order."""
        self._faults.extend(faults)

    def bodies(self) -> list[Any]:
        """The JSON bodies of the requests received."""
        return [request.json() for request in self.requests]

    def answer(self, request: HTTPRequest) -> list[Event]:
        """The events answering ``request``; raise :class:`HTTPFailure` to refuse it."""
        raise NotImplementedError

    def paced(self, event: Event) -> bool:
        """Whether ``token_delay`` passes before ``event`` is sent."""
        return True

    async def handle(self, request: HTTPRequest, reply: HTTPReply) -> None:
        """Answer one request (the :func:`loopback_http_server` handler)."""
        self.requests.append(request)
        self.replies.append(reply)
        try:
            events = self.answer(request)
        except HTTPFailure as failure:
            await reply.json(failure.status, failure.body, failure.headers)
            return
        if self._faults:
            await self._faults.pop(0)(reply, events)
            return
        await reply.start_events()
        for event in events:
            if self.token_delay and self.paced(event):
                await anyio.sleep(self.token_delay)
            await reply.event(event[1], event[0])


Fake = TypeVar("Fake", bound=StreamingFake)


@asynccontextmanager
async def serve(fake: Fake) -> AsyncIterator[Fake]:
    """Serve ``fake`` on a free port of 127.0.0.1 for the block (its ``url`` set)."""
    async with loopback_http_server(fake.handle) as url:
        fake.url = url
        yield fake


def after(count: int, then: Callable[[HTTPReply], Awaitable[None]] | None = None) -> Fault:
    """Stream the first ``count`` events, then run ``then`` (none: hang up)."""

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.start_events()
        for name, data in events[:count]:
            await reply.event(data, name)
        if then is not None:
            await then(reply)

    return fault


def stall(count: int) -> Fault:
    """``count`` events, then silence until the client hangs up."""
    return after(count, lambda reply: reply.wait_gone())


def silent() -> Fault:
    """Never answer; the reply's ``gone`` is set when the client hangs up."""

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.wait_gone()

    return fault


def raw(data: bytes) -> Fault:
    """Send ``data`` as the whole answer, HTTP or not."""

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.send(data)

    return fault
