"""``ListenSession``: one run's live stream to Deepgram, kept open and reconnected.

:meth:`ListenSession.run` connects, sends what was buffered meanwhile, then reads
the server's messages until the stream ends. A stream that fails (a refused upgrade,
no answer in time, a drop, a close by the server, a ``Finalize`` left unanswered) is
reported and opened again after a back-off, at most ``max_reconnects`` times in a row
(a stream that delivered a message resets the count); a refusal that connecting again
cannot cure (a bad key, bad settings) ends it at once. A ``Finalize`` whose
``from_finalize`` answer does not come within ``timeout_secs`` gives the stream up
if it never sent a message, and is left to the service's ``on_unanswered`` (which
may give it up too: words were waiting) otherwise. Audio sent while no stream is
open is buffered, up to ``buffer_bytes`` (the oldest is dropped beyond). A
``KeepAlive`` goes out whenever nothing was sent for ``keepalive_secs``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Mapping

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from .errors import DeepgramError, close_error, handshake_error
from .log import logger
from .messages import CLOSE_STREAM, FINALIZE, KEEP_ALIVE, Event, MalformedMessage, Results, ServerError, parse_message

#: Largest server message accepted (a Results message is a few kB).
MAX_MESSAGE_BYTES = 1 << 20
#: Back-off before reconnecting: this, doubled per failure in a row, up to the cap (seconds).
_BACKOFF_SECS = 0.5
_BACKOFF_CAP_SECS = 8.0
#: Longest wait a 429's ``retry-after`` gets (a longer one fails again, and counts).
_WAIT_CAP_SECS = 30.0
#: Longest wait for the close handshake of a stream being left (it was cancelled, or failed).
_CLOSE_SECS = 1.0


class ListenSession:
    """A live ``listen`` stream that survives drops; see the module.

    ``on_event`` gets every event the server sends (in the session's task);
    ``on_error`` every failure, already worded for the client; ``on_connected``
    is called whenever a new stream opens (its times start at 0 again);
    ``on_unanswered`` when a ``Finalize`` got no answer in time, returning the
    error to give the stream up with, or None to go on.
    """

    def __init__(
        self,
        *,
        url: str,
        headers: Mapping[str, str],
        key_source: str,
        timeout_secs: float,
        keepalive_secs: float,
        max_reconnects: int,
        buffer_bytes: int,
        on_event: Callable[[Event], Awaitable[None]],
        on_error: Callable[[DeepgramError], Awaitable[None]],
        on_connected: Callable[[], Awaitable[None]],
        on_unanswered: Callable[[], Awaitable[DeepgramError | None]],
    ) -> None:
        self.url = url
        self.endpoint = url.partition("?")[0]
        self._headers = dict(headers)
        self._key_source = key_source
        self._timeout = timeout_secs
        self._keepalive = keepalive_secs
        self._max_reconnects = max_reconnects
        self._buffer_bytes = buffer_bytes
        self._on_event = on_event
        self._on_error = on_error
        self._on_connected = on_connected
        self._on_unanswered = on_unanswered
        self._ws: ClientConnection | None = None  # set while a stream is open and flushed
        self._buffer: deque[bytes | str] = deque()  # audio and controls waiting for a stream
        self._buffered = 0  # audio bytes in the buffer
        self._overflow_reported = False
        self._last_sent = 0.0
        self._awaiting_final: object | None = None  # token of the Finalize waiting for a result
        self._failure: DeepgramError | None = None  # why the open stream is being given up
        self._delivered = False  # the open stream sent a message
        self._group: anyio.abc.TaskGroup | None = None
        self._closing = False
        self._given_up = False
        self.connections = 0
        self._done = anyio.Event()

    # -- what the service calls -----------------------------------------------------------

    async def send_audio(self, audio: bytes) -> None:
        """Send ``audio`` (non-empty PCM16), or buffer it while no stream is open."""
        await self._send(audio)

    async def finalize(self) -> None:
        """Send ``Finalize``; its ``from_finalize`` answer is awaited up to ``timeout_secs``."""
        if await self._send(FINALIZE):
            self._watch_finalize()

    async def close(self) -> None:
        """Send ``CloseStream`` and wait (up to ``timeout_secs``) for the last results and the close."""
        self._closing = True
        ws = self._ws
        if ws is None:
            return
        try:
            await ws.send(CLOSE_STREAM)
        except ConnectionClosed:
            return
        with anyio.move_on_after(self._timeout):
            await self._done.wait()

    # -- the stream ----------------------------------------------------------------------

    async def run(self) -> None:
        """Keep a stream open until :meth:`close`, the caller's cancellation or giving up."""
        try:
            failures = 0
            while not self._closing:
                error, delivered = await self._stream()
                if error is None or self._closing:  # a failure while closing: nothing more to do
                    return
                failures = 1 if delivered else failures + 1
                if not error.retry or failures > self._max_reconnects:
                    self._give_up(error, failures)
                    await self._on_error(
                        DeepgramError(f"{error}; speech is no longer transcribed in this session", retry=False)
                    )
                    return
                delay = self._backoff(failures) if error.retry_after is None else min(error.retry_after, _WAIT_CAP_SECS)
                logger.warning("%s: %s; reconnecting in %.2g s", self.endpoint, error, delay)
                await self._on_error(
                    DeepgramError(f"{error}; reconnecting (attempt {failures} of {self._max_reconnects})")
                )
                await anyio.sleep(delay)
        finally:
            self._done.set()

    def _give_up(self, error: DeepgramError, failures: int) -> None:
        logger.error("%s: giving up after %d failure(s): %s", self.endpoint, failures, error)
        self._given_up = True
        self._buffer.clear()
        self._buffered = 0

    @staticmethod
    def _backoff(failures: int) -> float:
        return float(min(_BACKOFF_SECS * 2 ** (failures - 1), _BACKOFF_CAP_SECS))

    async def _stream(self) -> tuple[DeepgramError | None, bool]:
        """Open one stream and serve it; (why it ended, or None if closed by us; whether it delivered)."""
        try:
            ws = await connect(
                self.url,
                additional_headers=self._headers,
                open_timeout=self._timeout,
                close_timeout=self._timeout,
                ping_interval=self._timeout,
                ping_timeout=self._timeout,
                max_size=MAX_MESSAGE_BYTES,
            )
        except InvalidStatus as exc:
            response = exc.response
            headers = {key.lower(): value for key, value in response.headers.raw_items()}
            return handshake_error(
                response.status_code, headers, bytes(response.body), self.endpoint, self._key_source
            ), False
        except TimeoutError:
            return DeepgramError(f"Deepgram: {self.endpoint} did not answer within {self._timeout:g} s"), False
        except (OSError, InvalidHandshake, InvalidURI) as exc:
            return DeepgramError(f"Deepgram: cannot reach {self.endpoint}: {exc or type(exc).__name__}"), False
        self.connections += 1
        logger.debug("%s: stream %d open", self.endpoint, self.connections)
        self._delivered = False
        self._failure = None
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                if not await self._flush(ws):
                    group.cancel_scope.cancel()
                else:
                    await self._on_connected()
                    group.start_soon(self._keep_alive, ws)
                    await self._read(ws)
                    group.cancel_scope.cancel()
        finally:
            self._group = None
            self._ws = None
            self._awaiting_final = None
            with anyio.CancelScope(shield=True):
                with anyio.move_on_after(min(self._timeout, _CLOSE_SECS)):
                    await ws.close()
                ws.transport.abort()  # a peer that did not answer the close: drop the connection
        if self._failure is not None:
            return self._failure, self._delivered
        if self._closing:
            return None, self._delivered
        return close_error(ws.close_code, ws.close_reason or ""), self._delivered

    async def _flush(self, ws: ClientConnection) -> bool:
        """Send the buffer, then take the stream into use; False if it closed meanwhile."""
        try:
            while self._buffer:
                item = self._buffer.popleft()
                if isinstance(item, bytes):
                    self._buffered -= len(item)
                await ws.send(item)
                if item == FINALIZE:
                    self._watch_finalize()
        except ConnectionClosed:
            return False
        self._overflow_reported = False
        self._last_sent = anyio.current_time()
        self._ws = ws
        return True

    async def _read(self, ws: ClientConnection) -> None:
        """Handle the server's messages until the stream ends."""
        malformed_reported = False
        try:
            async for message in ws:
                self._delivered = True
                try:
                    event = parse_message(message)
                except MalformedMessage as exc:
                    logger.debug("%s: malformed message %r: %s", self.endpoint, message[:200], exc)
                    if not malformed_reported:
                        malformed_reported = True
                        await self._on_error(
                            DeepgramError(f"Deepgram sent a malformed message ({exc}); it was skipped")
                        )
                    continue
                if event is None:
                    logger.debug("%s: message of an unknown type skipped: %r", self.endpoint, message[:200])
                    continue
                if isinstance(event, Results) and event.from_finalize:
                    self._awaiting_final = None
                if isinstance(event, ServerError):
                    await self._on_error(DeepgramError(f"Deepgram reported an error: {event.description[:300]}"))
                    continue
                await self._on_event(event)
        except ConnectionClosed:
            pass

    async def _send(self, item: bytes | str) -> bool:
        """Send ``item`` on the open stream (True), or buffer it for the next one (False)."""
        if self._given_up or self._closing:
            return False
        ws = self._ws
        if ws is not None:
            try:
                await ws.send(item)
                self._last_sent = anyio.current_time()
                return True
            except ConnectionClosed:
                pass  # the reader sees the close and reconnects; keep the item for the next stream
        await self._buffer_item(item)
        return False

    async def _buffer_item(self, item: bytes | str) -> None:
        self._buffer.append(item)
        if not isinstance(item, bytes):
            return
        self._buffered += len(item)
        dropped = False
        while self._buffered > self._buffer_bytes:
            oldest = next(i for i, queued in enumerate(self._buffer) if isinstance(queued, bytes))
            self._buffered -= len(self._buffer[oldest])
            del self._buffer[oldest]
            dropped = True
        if dropped and not self._overflow_reported:
            self._overflow_reported = True
            await self._on_error(
                DeepgramError("Deepgram: the stream is still reconnecting; the oldest buffered audio is dropped")
            )

    async def _keep_alive(self, ws: ClientConnection) -> None:
        """Send ``KeepAlive`` whenever nothing was sent for ``keepalive_secs``."""
        while True:
            idle = anyio.current_time() - self._last_sent
            if idle >= self._keepalive:
                try:
                    await ws.send(KEEP_ALIVE)
                except ConnectionClosed:
                    return
                self._last_sent = anyio.current_time()
                idle = 0.0
            await anyio.sleep(self._keepalive - idle)

    def _watch_finalize(self) -> None:
        """Start waiting for the answer to the ``Finalize`` just sent on the open stream."""
        if self._group is not None:
            token = self._awaiting_final = object()
            self._group.start_soon(self._await_finalized, token)

    async def _await_finalized(self, token: object) -> None:
        """Ask ``on_unanswered`` when the ``Finalize`` of ``token`` got no answer in time."""
        await anyio.sleep(self._timeout)
        if self._awaiting_final is not token or self._group is None:
            return
        self._awaiting_final = None
        if self._delivered:
            failure = await self._on_unanswered()
        else:
            failure = DeepgramError(
                f"Deepgram sent nothing on the stream and did not answer Finalize within {self._timeout:g} s "
                "(timeout_secs)"
            )
        if failure is not None and self._group is not None:
            self._failure = failure
            self._group.cancel_scope.cancel()
