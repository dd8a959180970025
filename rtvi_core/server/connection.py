"""``HttpConnection``: one TCP connection to the server, driven by asyncio callbacks.

It reads one HTTP request (:mod:`.http`), hands it to the server and writes the
answer (its head only, for ``HEAD``), then closes. A request the server upgrades (a
WebSocket handshake) hands the socket over to the transport's protocol
(:meth:`HttpConnection.take_over`), which from then on gets the bytes, the end of the
stream and the loss of the connection, and writes through this object. A request not
complete within ``handshake_timeout_secs`` is answered 408. While the client leaves
our writes unread the socket is not read either, and after :data:`WRITE_STALL_SECS`
the client is dropped.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from . import log
from .http import HttpError, error_response, parse_request, without_body

if TYPE_CHECKING:
    from .site import HttpSite

logger = log.logger.getChild("connection")

#: Seconds a client may leave our writes unread (socket buffer full) before it is dropped.
WRITE_STALL_SECS = 10.0

#: Why reading from the socket is paused (a bit each).
_INBOX_FULL = 1
_WRITES_UNREAD = 2

#: The buffer every connection's socket reads into. asyncio fills it and calls buffer_updated() at
#: once, which copies the bytes out, so one buffer serves all connections (reading into
#: it saves the 256 KiB allocation asyncio makes per read for a plain Protocol).
_RECEIVE_BUFFER = memoryview(bytearray(64 * 1024))


class Upgraded(Protocol):
    """What takes a connection over after its request (the WebSocket protocol of a session)."""

    def data_received(self, data: bytes) -> None:
        """Bytes arrived from the client."""

    def eof_received(self) -> None:
        """The client ended its side of the stream."""

    def connection_lost(self) -> None:
        """The connection is gone (closed by either side, or broken)."""


class HttpConnection(asyncio.BufferedProtocol):
    """An HTTP request, answered, on one socket — or handed over to an upgraded protocol."""

    def __init__(self, server: HttpSite) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._buffer: bytearray | None = bytearray()
        self._upgraded: Upgraded | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._write_paused = False
        self._writable: asyncio.Future[None] | None = None
        self._stall_timer: asyncio.TimerHandle | None = None
        self._read_paused = 0
        self._lost = False
        self._head_only = False
        self.peer = ""
        self.peer_ip = ""

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.peer_ip = str(peer[0]) if isinstance(peer, tuple) else self.peer
        self._timer = self._loop.call_later(self._server.settings.handshake_timeout_secs, self._handshake_timeout)
        self._server.connection_opened(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        return _RECEIVE_BUFFER

    def buffer_updated(self, nbytes: int) -> None:
        self._received(bytes(_RECEIVE_BUFFER[:nbytes]))

    def _received(self, data: bytes) -> None:
        upgraded = self._upgraded
        if upgraded is not None:
            upgraded.data_received(data)
            return
        if self._buffer is None:
            return  # a response is on its way; ignore the rest
        self._buffer += data
        try:
            request = parse_request(self._buffer)
        except HttpError as exc:
            logger.info("%s: refused: %d %s", self.peer, exc.status, exc.message)
            self.respond(exc.response())
            return
        if request is not None:
            self._buffer = None
            self._cancel_timer()
            self._head_only = request.method == "HEAD"
            try:
                self._server.handle_request(self, request)
            except Exception:
                logger.exception("%s: failed answering %s %s", self.peer, request.method, request.path[:100])
                self.respond(error_response(500, "the server failed answering this request"))

    def eof_received(self) -> bool | None:
        if self._upgraded is not None:
            self._upgraded.eof_received()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._cancel_timer()
        if self._stall_timer is not None:
            self._stall_timer.cancel()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        upgraded, self._upgraded = self._upgraded, None  # it holds this connection: a reference cycle
        if upgraded is not None:
            upgraded.connection_lost()
        self._server.connection_closed(self)

    def pause_writing(self) -> None:
        self._write_paused = True
        self._pause(_WRITES_UNREAD)
        if self._stall_timer is None:
            self._stall_timer = self._loop.call_later(WRITE_STALL_SECS, self._write_stalled)

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self._resume(_WRITES_UNREAD)
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    # -- answering -----------------------------------------------------------------------

    def respond(self, data: bytes) -> None:
        """Write a complete HTTP response (its head only, for HEAD) and close the connection."""
        self._cancel_timer()
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(without_body(data) if self._head_only else data)
            transport.close()

    def take_over(self, protocol: Upgraded) -> None:
        """Hand the socket to ``protocol`` (after writing its handshake answer): it gets what
        arrives from now on, and writes through :attr:`transport`."""
        self._upgraded = protocol

    # -- the socket, for an upgraded protocol --------------------------------------------

    @property
    def transport(self) -> asyncio.Transport | None:
        """The socket's asyncio transport (None before the connection is made)."""
        return self._transport

    @property
    def lost(self) -> bool:
        """True once the connection is gone."""
        return self._lost

    @property
    def write_paused(self) -> bool:
        """True while the client leaves our writes unread (see :meth:`drain`)."""
        return self._write_paused

    async def drain(self) -> None:
        """Wait while the client is not reading what we send (it is dropped after :data:`WRITE_STALL_SECS`)."""
        if not self._write_paused or self._lost:
            return
        if self._writable is None or self._writable.done():
            self._writable = self._loop.create_future()
        await asyncio.shield(self._writable)

    def abort(self) -> None:
        """Drop the TCP connection now."""
        if self._transport is not None:
            self._transport.abort()

    def pause_reading(self) -> None:
        """Stop reading from the socket (the reader's inbox is full)."""
        self._pause(_INBOX_FULL)

    def resume_reading(self) -> None:
        """Read from the socket again (unless the client is also leaving our writes unread)."""
        self._resume(_INBOX_FULL)

    # -- internals -----------------------------------------------------------------------

    def _pause(self, reason: int) -> None:
        was, self._read_paused = self._read_paused, self._read_paused | reason
        if not was and self._transport is not None and not self._lost and not self._transport.is_closing():
            self._transport.pause_reading()

    def _resume(self, reason: int) -> None:
        was = self._read_paused
        self._read_paused = was & ~reason
        if (
            was
            and not self._read_paused
            and self._transport is not None
            and not self._lost
            and not self._transport.is_closing()
        ):
            self._transport.resume_reading()

    def _write_stalled(self) -> None:
        self._stall_timer = None
        if self._write_paused and not self._lost:
            logger.warning("%s: client stopped reading for %.0f s: dropping it", self.peer, WRITE_STALL_SECS)
            self.abort()

    def _handshake_timeout(self) -> None:
        self._timer = None
        timeout = self._server.settings.handshake_timeout_secs
        logger.info("%s: no complete request within %.0f s: closing", self.peer, timeout)
        self.respond(error_response(408, "request not received in time"))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
