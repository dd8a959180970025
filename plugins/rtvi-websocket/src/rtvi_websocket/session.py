"""``Session``: one client's pipeline, fed from its WebSocket connection."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from rtvi_core.frames import ClientConnectedFrame
from rtvi_core.server.sessions import EndReason, SessionRunner

from . import close_codes

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from rtvi_core.direction import FrameDirection
    from rtvi_core.frames import Frame
    from rtvi_core.server.server import SessionServer

    from .connection import WebSocketConnection


class MessageInput(Protocol):
    """The input of a transport fed by a :class:`Session`: it takes the client's whole messages."""

    def push_frame(self, frame: Frame, direction: FrameDirection = ...) -> Awaitable[None]: ...

    async def wait_started(self) -> None: ...

    async def receive(self, data: bytes | str) -> None: ...


class LinkedTransport(Protocol):
    """A transport whose client is one WebSocket connection (the websocket transport, the telephony ones)."""

    def attach(self, connection: WebSocketConnection | None) -> None: ...

    def input(self) -> MessageInput: ...

    async def _call_event_handler(self, event_name: str, *args: Any) -> None: ...


#: Why a session whose connection this server closed ends (:attr:`SessionRunner.end_reason`); else ``client_left``.
_CLOSED_FOR: dict[int | None, EndReason] = {
    close_codes.IDLE_TIMEOUT: "idle_timeout",
    close_codes.POLICY_VIOLATION: "limit",
    close_codes.INVALID_DATA: "limit",
}

#: Messages waiting for the pipeline before the socket stops being read.
INBOX_HIGH = 64
#: ... and when reading resumes.
INBOX_LOW = 16


class Session(SessionRunner):
    """Runs one bot session (a :class:`~rtvi_core.config.builder.BotSession`) for one connection.

    The connection's messages queue in a small inbox; when it fills up the socket
    is no longer read (TCP pushes back on the client). The pipeline is cancelled
    when the client goes away, whatever state it is in (even while its providers
    are still starting); the connection is closed when the pipeline ends: 1000,
    or 1011 when the run failed (a provider that did not start, a fatal error).
    It leaves ``live`` (its frontend's sessions) when it is over.
    """

    def __init__(self, server: SessionServer, connection: WebSocketConnection, bot: Any, live: set[Session]) -> None:
        super().__init__(server, bot, connection.peer)
        self.connection = connection
        self.transport: LinkedTransport = bot.transport
        self._live = live
        self._inbox: deque[bytes | str] = deque()
        self._wakeup: asyncio.Future[None] | None = None  # set while the pump waits
        self._reading = True
        self._gone = False
        self._pumping = False

    # -- ConnectionListener ---------------------------------------------------------------

    def on_message(self, data: bytes | str) -> None:
        self._inbox.append(data)
        if len(self._inbox) >= INBOX_HIGH and self._reading:
            self._reading = False
            self.connection.pause_reading()
        self._wake()

    def on_connection_lost(self) -> None:
        self._gone = True
        self._wake()
        if not self._pumping:  # the pipeline has not started yet: the pump is not listening
            self.leave("client disconnected", self._why_gone())

    def _why_gone(self) -> EndReason:
        return _CLOSED_FOR.get(self.connection.closed_with, "client_left")

    def _wake(self) -> None:
        wakeup, self._wakeup = self._wakeup, None
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    # -- SessionRunner --------------------------------------------------------------------

    async def run(self) -> None:
        """Run the pipeline until it ends or the client leaves; never raises."""
        self.transport.attach(self.connection)
        self.connection.attach(self)
        await super().run()

    def end_link(self, failed: bool, reason: str) -> None:
        self.connection.close(close_codes.INTERNAL_ERROR if failed else close_codes.NORMAL, reason)

    def released(self) -> None:
        self._live.discard(self)
        # The transport and its processors refer to each other (a cycle the cyclic GC
        # frees): keep the connection, its buffers and protocol state, out of it.
        self.transport.attach(None)

    async def pump(self) -> None:
        input_transport = self.transport.input()
        await input_transport.wait_started()
        if self._gone:
            return  # the client left while the pipeline was starting: leave() cancels it
        self._pumping = True
        await self.client_arrived()
        inbox = self._inbox
        loop = asyncio.get_running_loop()
        while True:
            while inbox:
                await input_transport.receive(inbox.popleft())
                if not self._reading and len(inbox) <= INBOX_LOW:
                    self._reading = True
                    self.connection.resume_reading()
            if self._gone:
                await self.client_left()
                await self.cancel("client disconnected", self._why_gone())
                return
            self._wakeup = loop.create_future()
            await self._wakeup

    async def client_arrived(self) -> None:
        """The pipeline has started with the client connected: push ``ClientConnectedFrame``
        and fire ``on_client_connected`` (a transport whose client introduces itself later
        overrides this)."""
        await self.transport.input().push_frame(ClientConnectedFrame())
        await self.transport._call_event_handler("on_client_connected", self.connection)

    async def client_left(self) -> None:
        """The client's connection is gone: fire ``on_client_disconnected``."""
        await self.transport._call_event_handler("on_client_disconnected", self.connection)
