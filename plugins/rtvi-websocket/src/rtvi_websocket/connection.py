"""``WebSocketConnection``: a client's WebSocket, on a socket the HTTP front handed over.

The server's :class:`~rtvi_core.server.connection.HttpConnection` reads the upgrade
request; :func:`WebSocketConnection.accept` answers it and takes the socket over. The
framing, handshake, size limit and close handshake are ``websockets``' Sans-I/O
``ServerProtocol``; this class feeds it bytes, writes what it produces, enforces the
idle timeout, the keepalive pings and the inbound rate limit (every data frame and ping
counts, each fragment of a message too), and passes whole messages to its
:class:`ConnectionListener` (the session). A text message that is not UTF-8 closes
the connection with 1007. Backpressure (a client leaving our writes unread) is the
HTTP connection's.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

from websockets.frames import Frame, Opcode
from websockets.http11 import Request as HandshakeRequest
from websockets.protocol import State
from websockets.server import ServerProtocol

from rtvi_core.server.connection import HttpConnection
from rtvi_core.server.http import Request, error_response
from rtvi_core.server.limits import RateLimiter

from . import close_codes, log
from .keepalive import Keepalive
from .settings import WebSocketSettings

logger = log.logger.getChild("connection")

#: Seconds to wait for the client's half of the close handshake before dropping TCP.
CLOSE_TIMEOUT_SECS = 2.0


class ConnectionListener(Protocol):
    """What receives a WebSocket connection's messages (a session)."""

    def on_message(self, data: bytes | str) -> None:
        """A whole data message arrived (``str`` for a text frame)."""

    def on_connection_lost(self) -> None:
        """The connection is gone (closed by either side, or broken)."""


class WebSocketConnection:
    """A WebSocket session's connection, after the handshake."""

    def __init__(self, socket: HttpConnection, ws: ServerProtocol, settings: WebSocketSettings, extra: bytes) -> None:
        self._socket = socket
        self._ws = ws
        self._settings = settings
        self._loop = asyncio.get_running_loop()
        self._listener: ConnectionListener | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._parts: list[bytes] = []
        self._text = False
        rate = settings.max_messages_per_sec
        self._last_activity = self._loop.time()
        self._limiter = RateLimiter(rate, 2 * rate, self._last_activity) if rate > 0 else None
        self._keepalive: Keepalive | None = None
        self._extra = extra
        self.peer = socket.peer
        #: The close code this server started the closing handshake with (None: it has not).
        self.closed_with: int | None = None

    @classmethod
    def accept(
        cls, socket: HttpConnection, request: Request, settings: WebSocketSettings
    ) -> WebSocketConnection | None:
        """Answer a WebSocket upgrade and take ``socket`` over; None (and a JSON 4xx already
        sent) if the handshake is invalid."""
        ws = ServerProtocol(max_size=settings.max_message_bytes)
        ws.receive_data(request.head)
        handshake = next(iter(ws.events_received()), None)
        if not isinstance(handshake, HandshakeRequest):  # None: no complete request (a server parses only requests)
            socket.respond(error_response(400, f"invalid WebSocket handshake: {ws.handshake_exc or 'unreadable'}"))
            return None
        answer = ws.accept(handshake)
        if answer.status_code != 101:
            reason = answer.body.decode("utf-8", "replace").strip().splitlines()[0] if answer.body else "refused"
            kept = {name: answer.headers[name] for name in ("Upgrade", "Allow") if name in answer.headers}
            logger.info("%s: WebSocket handshake refused: %s", socket.peer, reason)
            socket.respond(error_response(answer.status_code, reason, kept))
            return None
        ws.send_response(answer)
        connection = cls(socket, ws, settings, request.extra)
        socket.take_over(connection)
        connection._flush()
        return connection

    # -- the socket (rtvi_core.server.connection.Upgraded) ------------------------------------

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._handle_events()

    def eof_received(self) -> None:
        self._ws.receive_eof()
        self._flush()

    def connection_lost(self) -> None:
        for timer in (self._timer, self._close_timer):
            if timer is not None:
                timer.cancel()
        if self._keepalive is not None:
            self._keepalive.stop()
            self._keepalive = None  # it holds this connection's methods: a reference cycle
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.on_connection_lost()

    # -- WebSocket -----------------------------------------------------------------------

    def attach(self, listener: ConnectionListener) -> None:
        """Deliver this WebSocket's messages to ``listener`` from now on."""
        self._listener = listener
        if self._settings.idle_timeout_secs > 0:
            self._timer = self._loop.call_later(self._settings.idle_timeout_secs, self._idle_check)
        if self._settings.ping_interval_secs > 0:
            self._keepalive = Keepalive(
                self._loop,
                self._ping,
                self._ping_timed_out,
                interval=self._settings.ping_interval_secs,
                timeout=self._settings.ping_timeout_secs,
            )
        if self._extra:  # frames that came right behind the handshake
            self._ws.receive_data(self._extra)
            self._extra = b""
            self._handle_events()

    @property
    def write_paused(self) -> bool:
        """True while the client leaves our writes unread (see :meth:`drain`)."""
        return self._socket.write_paused

    @property
    def open(self) -> bool:
        """True while messages can be sent."""
        return self._ws.state is State.OPEN and not self._socket.lost

    def send(self, data: bytes) -> None:
        """Send one binary message (dropped once the connection is closing)."""
        if self.open:
            self._ws.send_binary(data)
            self._flush()

    def send_text(self, data: bytes) -> None:
        """Send one text message, ``data`` in UTF-8 (dropped once the connection is closing)."""
        if self.open:
            self._ws.send_text(data)
            self._flush()

    async def drain(self) -> None:
        """Wait while the client is not reading what we send (it is dropped after
        :data:`~rtvi_core.server.connection.WRITE_STALL_SECS`)."""
        await self._socket.drain()

    def close(self, code: int = close_codes.NORMAL, reason: str = "") -> None:
        """Start the close handshake (no-op once closing)."""
        if self.open:
            logger.debug("%s: closing with %d %s", self.peer, code, reason)
            self.closed_with = code
            self._ws.send_close(code, reason.encode()[:120].decode("utf-8", "ignore"))
            self._cancel_timer()
            if self._keepalive is not None:
                self._keepalive.stop()
            self._flush()

    def abort(self) -> None:
        """Drop the TCP connection now."""
        self._socket.abort()

    def pause_reading(self) -> None:
        """Stop reading from the socket (the session's inbox is full)."""
        self._socket.pause_reading()

    def resume_reading(self) -> None:
        """Read from the socket again (unless the client is also leaving our writes unread)."""
        self._socket.resume_reading()

    # -- internals -----------------------------------------------------------------------

    def _handle_events(self) -> None:
        ws = self._ws
        listener = self._listener
        for event in ws.events_received():
            if listener is None or ws.state is not State.OPEN or not isinstance(event, Frame):
                continue  # refused or closing: only the close handshake matters (an open server gets only frames)
            payload = cast(bytes, event.data)  # websockets' frame parser builds each payload as bytes
            opcode = event.opcode
            if opcode is Opcode.PONG:
                if self._keepalive is not None:
                    self._keepalive.pong(payload)
                continue
            if opcode is Opcode.CLOSE or not self._admit():
                continue  # a ping counts against the rate; ServerProtocol answers it itself
            if opcode is Opcode.PING:
                continue
            if opcode is Opcode.CONT:
                self._parts.append(payload)
                if not event.fin:
                    continue
                data, self._parts = b"".join(self._parts), []
            else:
                self._text = opcode is Opcode.TEXT
                if not event.fin:
                    self._parts = [payload]
                    continue
                data = payload
            self._last_activity = self._loop.time()
            if self._text:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    logger.info("%s: text message is not UTF-8: closing", self.peer)
                    self.close(
                        close_codes.INVALID_DATA, f"a text message is not UTF-8 ({exc.reason} at byte {exc.start})"
                    )
                    continue
                listener.on_message(text)
            else:
                listener.on_message(data)
        self._flush()

    def _admit(self) -> bool:
        """Count one frame against the rate limit; close the connection (False) beyond it."""
        now = self._loop.time()
        limiter = self._limiter
        if limiter is not None and not limiter.allow(now):
            rate = self._settings.max_messages_per_sec
            logger.warning("%s: more than %g messages/s: closing", self.peer, rate)
            self.close(close_codes.POLICY_VIOLATION, f"rate limit exceeded: more than {rate:g} messages per second")
            return False
        return True

    def _flush(self) -> None:
        ws, transport = self._ws, self._socket.transport
        if transport is None:
            return
        for data in ws.data_to_send():
            if data:
                transport.write(data)
            else:
                transport.close()  # websockets asks for the end of the TCP stream
        state = ws.state
        if state is State.CLOSED and not transport.is_closing():
            transport.close()
        elif state is State.CLOSING and self._close_timer is None:
            self._cancel_timer()
            self._close_timer = self._loop.call_later(CLOSE_TIMEOUT_SECS, self.abort)

    def _ping(self, payload: bytes) -> None:
        if self.open:
            self._ws.send_ping(payload)
            self._flush()

    def _ping_timed_out(self) -> None:
        timeout = self._settings.ping_timeout_secs
        logger.info("%s: no answer to a keepalive ping in %.0f s: dropping the connection", self.peer, timeout)
        self.close(close_codes.INTERNAL_ERROR, "keepalive ping timeout")
        self.abort()

    def _idle_check(self) -> None:
        timeout = self._settings.idle_timeout_secs
        idle = self._loop.time() - self._last_activity
        if idle >= timeout:
            self._timer = None
            logger.info("%s: idle for %.0f s: closing", self.peer, idle)
            self.close(close_codes.IDLE_TIMEOUT, "idle timeout")
        else:
            self._timer = self._loop.call_later(timeout - idle, self._idle_check)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
