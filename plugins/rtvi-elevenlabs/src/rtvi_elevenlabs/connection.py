"""``ElevenLabsSocket``: the session's one WebSocket to the multi-context endpoint.

Opened when the first sentence is sent, reused for every turn, reopened when it was
dropped (or closed after a failure). It remembers which contexts it opened, so that
a context's first message carries the voice settings and only open contexts are
closed. Every wait is bounded by ``timeout``.
"""

from __future__ import annotations

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.protocol import State

from . import messages
from .errors import ElevenLabsError, closed_error, handshake_error
from .log import logger
from .messages import ServerMessage, parse_message

#: The largest server message read (a chunk of base64 PCM with its alignment).
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class ElevenLabsSocket:
    """One multi-context WebSocket; see the module."""

    def __init__(self, url: str, headers: dict[str, str], key_source: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._headers = headers
        self._key_source = key_source
        self._ws: ClientConnection | None = None
        self._contexts: set[str] = set()  # opened on this connection, not closed yet
        self._last_sent = 0.0

    @property
    def is_open(self) -> bool:
        """Whether the socket is connected."""
        return self._ws is not None and self._ws.state is State.OPEN

    async def send_sentence(self, context_id: str, text: str, voice_settings: dict[str, float]) -> None:
        """Send ``text`` to ``context_id`` (opening the socket and the context if needed).

        A socket found dropped at the first send is reopened once: nothing was lost yet.
        """
        for attempt in (1, 2):
            ws = await self._open()
            try:
                if context_id not in self._contexts:
                    await self._send(ws, messages.open_context(context_id, voice_settings))
                    self._contexts.add(context_id)
                await self._send(ws, messages.send_text(context_id, text))
                return
            except ConnectionClosed as exc:
                self._forget()
                if attempt == 2:
                    raise _closed(exc, "before the sentence was sent") from None
                logger.info("ElevenLabs socket dropped (%s): reconnecting", exc)

    async def receive(self) -> ServerMessage | None:
        """The next server message, or None when none came within ``timeout``.

        ``ElevenLabsError`` for a closed socket or a malformed message (the socket
        is closed then, so that the next sentence starts on a clean one).
        """
        ws = self._ws
        if ws is None:
            raise ElevenLabsError("ElevenLabs: the socket is not open")
        raw: str | bytes | None = None
        with anyio.move_on_after(self.timeout):
            try:
                raw = await ws.recv()
            except ConnectionClosed as exc:
                self._forget()
                raise _closed(exc, "mid-sentence") from None
        if raw is None:
            return None
        try:
            return parse_message(raw)
        except ValueError as exc:
            await self.close()
            raise ElevenLabsError(
                f"ElevenLabs sent a malformed message ({exc}); the sentence is cut short, the next one reconnects"
            ) from None

    async def close_context(self, context_id: str) -> None:
        """End ``context_id`` at the provider (at the end of a turn); never raises."""
        await self._close_contexts([context_id])

    async def close_all_contexts(self) -> None:
        """End every open context (the cancel of an interruption); never raises."""
        await self._close_contexts(list(self._contexts))

    async def keep_alive(self, idle_secs: float) -> None:
        """Send the keep-alive message if the socket is open and sent nothing for ``idle_secs``."""
        ws = self._ws
        if ws is None or not self.is_open or anyio.current_time() - self._last_sent < idle_secs:
            return
        with anyio.move_on_after(self.timeout):
            try:
                await self._send(ws, messages.KEEPALIVE)
            except ConnectionClosed:
                self._forget()

    async def close(self) -> None:
        """Say goodbye (``close_socket``) and close; bounded by ``timeout`` (even when
        cancelled), never raises."""
        ws, self._ws = self._ws, None
        self._contexts.clear()
        if ws is None:
            return
        with anyio.move_on_after(self.timeout, shield=True):
            try:
                if ws.state is State.OPEN:
                    await ws.send(messages.CLOSE_SOCKET)
                await ws.close()
            except (ConnectionClosed, OSError):
                pass

    # -- internals ---------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        if self._ws is not None and self.is_open:
            return self._ws
        await self.close()
        try:
            ws = await connect(
                self.url,
                additional_headers=self._headers,
                open_timeout=self.timeout,
                close_timeout=min(self.timeout, 2.0),
                max_size=MAX_MESSAGE_BYTES,
            )
        except InvalidStatus as exc:
            response = exc.response
            error = handshake_error(
                response.status_code, response.headers, bytes(response.body or b""), self._key_source
            )
            raise error from None
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            what = "no answer in time" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            raise ElevenLabsError(
                f"ElevenLabs: could not connect to {self.url.split('?')[0]} ({what}); check base_url and the network"
            ) from None
        logger.debug("connected to %s", self.url)
        self._ws = ws
        return ws

    async def _close_contexts(self, context_ids: list[str]) -> None:
        ws = self._ws
        closing = [context_id for context_id in context_ids if context_id in self._contexts]
        if ws is None or not closing:
            return
        self._contexts.difference_update(closing)
        with anyio.move_on_after(self.timeout):
            try:
                for context_id in closing:
                    await self._send(ws, messages.close_context(context_id))
            except ConnectionClosed:
                self._forget()

    async def _send(self, ws: ClientConnection, message: str) -> None:
        await ws.send(message)
        self._last_sent = anyio.current_time()

    def _forget(self) -> None:
        """Drop a socket that closed (the next sentence opens a new one)."""
        self._ws = None
        self._contexts.clear()


def _closed(exc: ConnectionClosed, while_doing: str) -> ElevenLabsError:
    close = exc.rcvd
    return closed_error(close.code if close else None, close.reason if close else "", while_doing)
