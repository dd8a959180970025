"""``Connection``: one TCP connection to the server, driven by asyncio callbacks.

It reads one HTTP request (:mod:`rtvi_websocket.http`) and hands it to the server.
A WebSocket upgrade turns it into a WebSocket connection whose framing, handshake,
size limit and close handshake are ``websockets``' Sans-I/O ``ServerProtocol``;
this class feeds it bytes, writes what it produces, enforces the timeouts, the
keepalive pings and the inbound rate limit (every data frame and ping counts, each
fragment of a message too), and passes whole messages to its
:class:`ConnectionListener` (the session). A text message that is not UTF-8 closes
the connection with 1007. While the client leaves our writes unread (its pongs and
the bot's output pile up) the socket is not read either, and after
:data:`WRITE_STALL_SECS` the client is dropped.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol, cast

from websockets.frames import Frame, Opcode
from websockets.http11 import Request as HandshakeRequest
from websockets.protocol import State
from websockets.server import ServerProtocol

from . import close_codes, log
from .http import HttpError, Request, error_response, parse_request, without_body
from .keepalive import Keepalive
from .limits import RateLimiter

if TYPE_CHECKING:
    from .server import SessionServer

logger = log.logger.getChild("connection")

#: Seconds to wait for the client's half of the close handshake before dropping TCP.
CLOSE_TIMEOUT_SECS = 2.0
#: Seconds a client may leave our writes unread (socket buffer full) before it is dropped.
WRITE_STALL_SECS = 10.0


class ConnectionListener(Protocol):
    """What receives a WebSocket connection's messages (a session)."""

    def on_message(self, data: bytes | str) -> None:
        """A whole data message arrived (``str`` for a text frame)."""

    def on_connection_lost(self) -> None:
        """The connection is gone (closed by either side, or broken)."""


#: Why reading from the socket is paused (a bit each).
_INBOX_FULL = 1
_WRITES_UNREAD = 2

#: The buffer every connection reads into. asyncio fills it and calls buffer_updated() at
#: once, which copies the bytes out, so one buffer serves all connections (reading into
#: it saves the 256 KiB allocation asyncio makes per read for a plain Protocol).
_RECEIVE_BUFFER = memoryview(bytearray(64 * 1024))


class Connection(asyncio.BufferedProtocol):
    """An HTTP request, then possibly a WebSocket session, on one socket."""

    def __init__(self, server: SessionServer) -> None:
        self._server = server
        self._settings = server.settings
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._ws: ServerProtocol | None = None
        self._listener: ConnectionListener | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._parts: list[bytes] = []
        self._text = False
        self._limiter: RateLimiter | None = None
        self._last_activity = 0.0
        self._write_paused = False
        self._writable: asyncio.Future[None] | None = None
        self._stall_timer: asyncio.TimerHandle | None = None
        self._read_paused = 0
        self._keepalive: Keepalive | None = None
        self._lost = False
        self._extra = b""
        self._head_only = False
        self.peer = ""
        self.peer_ip = ""

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.peer_ip = str(peer[0]) if isinstance(peer, tuple) else self.peer
        self._timer = self._loop.call_later(self._settings.handshake_timeout_secs, self._handshake_timeout)
        self._server.connection_opened(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        return _RECEIVE_BUFFER

    def buffer_updated(self, nbytes: int) -> None:
        self._received(bytes(_RECEIVE_BUFFER[:nbytes]))

    def _received(self, data: bytes) -> None:
        ws = self._ws
        if ws is not None:
            ws.receive_data(data)
            self._handle_events()
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
            self._buffer = None  # type: ignore[assignment]
            self._cancel_timer()
            self._head_only = request.method == "HEAD"
            try:
                self._server.handle_request(self, request)
            except Exception:
                logger.exception("%s: failed answering %s %s", self.peer, request.method, request.path[:100])
                self.respond(error_response(500, "the server failed answering this request"))

    def eof_received(self) -> bool | None:
        if self._ws is not None:
            self._ws.receive_eof()
            self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._cancel_timer()
        for timer in (self._close_timer, self._stall_timer):
            if timer is not None:
                timer.cancel()
        if self._keepalive is not None:
            self._keepalive.stop()
            self._keepalive = None  # it holds this connection's methods: a reference cycle
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.on_connection_lost()
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

    # -- HTTP ----------------------------------------------------------------------------

    def respond(self, data: bytes) -> None:
        """Write a complete HTTP response (its head only, for HEAD) and close the connection."""
        self._cancel_timer()
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(without_body(data) if self._head_only else data)
            transport.close()

    def upgrade(self, request: Request) -> bool:
        """Answer a WebSocket upgrade; False (and a JSON 4xx already sent) if the handshake is invalid."""
        ws = ServerProtocol(max_size=self._settings.max_message_bytes)
        ws.receive_data(request.head)
        handshake = next(iter(ws.events_received()), None)
        if not isinstance(handshake, HandshakeRequest):  # None: no complete request (a server parses only requests)
            self.respond(error_response(400, f"invalid WebSocket handshake: {ws.handshake_exc or 'unreadable'}"))
            return False
        answer = ws.accept(handshake)
        if answer.status_code != 101:
            reason = answer.body.decode("utf-8", "replace").strip().splitlines()[0] if answer.body else "refused"
            kept = {name: answer.headers[name] for name in ("Upgrade", "Allow") if name in answer.headers}
            logger.info("%s: WebSocket handshake refused: %s", self.peer, reason)
            self.respond(error_response(answer.status_code, reason, kept))
            return False
        ws.send_response(answer)
        self._ws = ws
        self._flush()
        now = self._loop.time()
        rate = self._settings.max_messages_per_sec
        self._limiter = RateLimiter(rate, 2 * rate, now) if rate > 0 else None
        self._last_activity = now
        self._extra = request.extra
        return True

    # -- WebSocket -----------------------------------------------------------------------

    def attach(self, listener: ConnectionListener) -> None:
        """Deliver this WebSocket's messages to ``listener`` from now on."""
        self._listener = listener
        if self._settings.idle_timeout_secs > 0:
            self._timer = self._loop.call_later(self._settings.idle_timeout_secs, self._idle_check)
        if self._settings.ping_interval_secs > 0 and self._ws is not None:
            self._keepalive = Keepalive(
                self._loop,
                self._ping,
                self._ping_timed_out,
                interval=self._settings.ping_interval_secs,
                timeout=self._settings.ping_timeout_secs,
            )
        if self._extra and self._ws is not None:  # frames that came right behind the handshake
            self._ws.receive_data(self._extra)
            self._extra = b""
            self._handle_events()

    @property
    def write_paused(self) -> bool:
        """True while the client leaves our writes unread (see :meth:`drain`)."""
        return self._write_paused

    @property
    def open(self) -> bool:
        """True while messages can be sent."""
        return self._ws is not None and self._ws.state is State.OPEN and not self._lost

    def send(self, data: bytes) -> None:
        """Send one binary message (dropped once the connection is closing)."""
        ws = self._ws
        if ws is not None and ws.state is State.OPEN and not self._lost:
            ws.send_binary(data)
            self._flush()

    async def drain(self) -> None:
        """Wait while the client is not reading what we send (it is dropped after :data:`WRITE_STALL_SECS`)."""
        if not self._write_paused or self._lost:
            return
        if self._writable is None or self._writable.done():
            self._writable = self._loop.create_future()
        await asyncio.shield(self._writable)

    def close(self, code: int = close_codes.NORMAL, reason: str = "") -> None:
        """Start the close handshake (no-op once closing)."""
        ws = self._ws
        if ws is None:
            self.abort()
            return
        if ws.state is State.OPEN and not self._lost:
            logger.debug("%s: closing with %d %s", self.peer, code, reason)
            ws.send_close(code, reason.encode()[:120].decode("utf-8", "ignore"))
            self._cancel_timer()
            if self._keepalive is not None:
                self._keepalive.stop()
            self._flush()

    def abort(self) -> None:
        """Drop the TCP connection now."""
        if self._transport is not None:
            self._transport.abort()

    def pause_reading(self) -> None:
        """Stop reading from the socket (the session's inbox is full)."""
        self._pause(_INBOX_FULL)

    def resume_reading(self) -> None:
        """Read from the socket again (unless the client is also leaving our writes unread)."""
        self._resume(_INBOX_FULL)

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

    # -- internals -----------------------------------------------------------------------

    def _handle_events(self) -> None:
        ws = self._ws
        listener = self._listener
        if ws is None:
            return
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
        ws, transport = self._ws, self._transport
        if ws is None or transport is None:
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
        ws = self._ws
        if ws is not None and ws.state is State.OPEN and not self._lost:
            ws.send_ping(payload)
            self._flush()

    def _ping_timed_out(self) -> None:
        timeout = self._settings.ping_timeout_secs
        logger.info("%s: no answer to a keepalive ping in %.0f s: dropping the connection", self.peer, timeout)
        self.close(close_codes.INTERNAL_ERROR, "keepalive ping timeout")
        self.abort()

    def _write_stalled(self) -> None:
        self._stall_timer = None
        if self._write_paused and not self._lost:
            logger.warning("%s: client stopped reading for %.0f s: dropping it", self.peer, WRITE_STALL_SECS)
            self.abort()

    def _handshake_timeout(self) -> None:
        self._timer = None
        logger.info("%s: no complete request within %.0f s: closing", self.peer, self._settings.handshake_timeout_secs)
        self.respond(error_response(408, "request not received in time"))

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
