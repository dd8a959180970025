"""``CartesiaConnection``: one WebSocket to ``/tts/websocket``, shared by a session's contexts.

It is opened on first use (and again after it dropped), signs the upgrade with the
``X-API-Key`` and ``Cartesia-Version`` headers, and runs a reader that hands each
event to the context listening for it (:meth:`CartesiaConnection.listen`). Events for
a context nobody listens to (a cancelled one, a stray id) are dropped. A malformed
message, an ``error`` event for the whole connection and the socket closing reach
every listener as a :class:`~rtvi_cartesia.errors.CartesiaError`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from .errors import CartesiaError, event_error, handshake_error
from .events import ErrorEvent, Event, MalformedEvent, parse_event
from .log import logger

#: What a listener receives: an event of its context, or the failure that ends it.
Received = Event | CartesiaError
Spawn = Callable[[Coroutine[Any, Any, None]], Any]

#: Longest wait for Cartesia to answer our close before the TCP connection is dropped.
CLOSE_TIMEOUT = 1.0
#: The largest message accepted from the server (a chunk of base64 audio is far smaller).
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class CartesiaConnection:
    """The WebSocket at ``url`` (shown without its query in messages); see the module."""

    def __init__(self, url: str, headers: dict[str, str], *, key_source: str, timeout: float, proxy: bool) -> None:
        self.url = url
        self._headers = headers
        self._key_source = key_source
        self._timeout = timeout
        self._proxy = proxy
        self._socket: ClientConnection | None = None
        self._lock = anyio.Lock()
        self._listeners: dict[str, MemoryObjectSendStream[Received]] = {}

    @property
    def is_open(self) -> bool:
        """Whether a socket is connected (it may still turn out to be dropped)."""
        return self._socket is not None

    async def open(self, spawn: Spawn) -> None:
        """Connect unless connected; ``spawn`` runs the reader. Raises :class:`CartesiaError`."""
        async with self._lock:
            if self._socket is not None:
                return
            socket = await self._connect()
            self._socket = socket
            spawn(self._read(socket))
            logger.debug("connected to %s", self.url)

    async def _connect(self) -> ClientConnection:
        try:
            return await connect(
                self.url,
                additional_headers=self._headers,
                open_timeout=self._timeout,
                max_size=MAX_MESSAGE_BYTES,
                close_timeout=CLOSE_TIMEOUT,
                proxy=True if self._proxy else None,
                user_agent_header="rtvi-cartesia",
            )
        except InvalidStatus as exc:
            response = exc.response
            raise handshake_error(
                response.status_code, response.headers, bytes(response.body or b""), self._key_source
            ) from None
        except TimeoutError:
            raise CartesiaError(
                f"Cartesia: {self.url} did not accept the connection within {self._timeout:g} s (timeout_secs)"
            ) from None
        except (InvalidHandshake, InvalidURI) as exc:
            raise CartesiaError(
                f"Cartesia: {self.url} did not answer as a WebSocket server ({exc}); check base_url"
            ) from None
        except OSError as exc:
            raise CartesiaError(f"Cartesia: cannot reach {self.url}: {exc.strerror or exc}") from None

    def listen(self, context_id: str) -> MemoryObjectReceiveStream[Received]:
        """The events of ``context_id`` from now on, until :meth:`stop_listening`."""
        send, receive = anyio.create_memory_object_stream[Received](math.inf)
        self._listeners[context_id] = send
        return receive

    def stop_listening(self, context_id: str) -> None:
        """Drop the events of ``context_id`` from now on."""
        stream = self._listeners.pop(context_id, None)
        if stream is not None:
            stream.close()

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message; :class:`CartesiaError` if the socket is closed."""
        socket = self._socket
        if socket is None:
            raise CartesiaError(f"Cartesia: the connection to {self.url} is closed; the next sentence reconnects")
        try:
            await socket.send(json.dumps(message))
        except ConnectionClosed as exc:
            self._lost(socket)
            raise self._closed_error(exc) from None

    async def close(self) -> None:
        """Close the socket (the reader then ends)."""
        socket, self._socket = self._socket, None
        if socket is not None:
            await _shut(socket)

    # -- the reader -------------------------------------------------------------------

    async def _read(self, socket: ClientConnection) -> None:
        """Route the socket's events until it closes; then tell the listeners (not when cancelled)."""
        try:
            failure = CartesiaError(f"Cartesia closed the connection to {self.url}; the next sentence reconnects")
            try:
                async for message in socket:
                    self._route(message)
            except ConnectionClosed as exc:
                failure = self._closed_error(exc)
            if self._lost(socket):
                self._broadcast(failure)
        finally:
            self._lost(socket)
            await _shut(socket)  # also when the reader is cancelled: the run is over

    def _route(self, message: str | bytes) -> None:
        try:
            event = parse_event(message)
        except MalformedEvent as exc:
            self._broadcast(CartesiaError(f"Cartesia sent a malformed event: {exc}"))
            return
        if event.context_id is None:
            if isinstance(event, ErrorEvent):
                self._broadcast(event_error(event.status, event.message, self._key_source))
            return
        stream = self._listeners.get(event.context_id)
        if stream is None:
            if isinstance(event, ErrorEvent):  # about a context already closed or cancelled
                logger.info("%s for context %r: %s", self.url, event.context_id, event.message)
                return
            logger.debug(
                "dropped a %s event for context %r, which nobody listens to", type(event).__name__, event.context_id
            )
            return
        stream.send_nowait(event)

    def _broadcast(self, failure: CartesiaError) -> None:
        if not self._listeners:
            logger.info("%s", failure)  # between sentences: the next one reconnects
        for stream in self._listeners.values():
            stream.send_nowait(failure)

    def _lost(self, socket: ClientConnection) -> bool:
        """Forget ``socket`` if it is the current one; whether it was."""
        if self._socket is not socket:
            return False
        self._socket = None
        return True

    def _closed_error(self, exc: ConnectionClosed) -> CartesiaError:
        frame = exc.rcvd
        how = f"code {frame.code}{': ' + frame.reason if frame.reason else ''}" if frame else "no close frame"
        return CartesiaError(f"Cartesia closed the connection to {self.url} ({how}); the next sentence reconnects")


async def _shut(socket: ClientConnection) -> None:
    """Close ``socket`` even from a cancelled task, waiting at most about ``CLOSE_TIMEOUT``."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(2 * CLOSE_TIMEOUT):
        await socket.close()
