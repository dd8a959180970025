"""``Session``: one client's pipeline, fed from its connection."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

import anyio

from rtvi_core.frames import ClientConnectedFrame

from . import close_codes, log

if TYPE_CHECKING:
    from .connection import Connection
    from .server import SessionServer
    from .transport import WebSocketTransport

logger = log.logger.getChild("session")

#: Messages waiting for the pipeline before the socket stops being read.
INBOX_HIGH = 64
#: ... and when reading resumes.
INBOX_LOW = 16


class Session:
    """Runs one bot session (a :class:`~rtvi_core.config.builder.BotSession`) for one connection.

    The connection's messages queue in a small inbox; when it fills up the socket
    is no longer read (TCP pushes back on the client). The pipeline is cancelled
    when the client goes away, whatever state it is in (even while its providers
    are still starting); the connection is closed when the pipeline ends: 1000,
    or 1011 when the run failed (a provider that did not start, a fatal error).
    """

    def __init__(self, server: SessionServer, connection: Connection, bot: Any) -> None:
        self.server = server
        self.connection = connection
        self.bot = bot
        self.transport: WebSocketTransport = bot.transport
        self._inbox: deque[bytes | str] = deque()
        self._wakeup: asyncio.Future[None] | None = None  # set while the pump waits
        self._reading = True
        self._gone = False
        self._pumping = False
        self._leaving: asyncio.Task[None] | None = None

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
            self.leave("client disconnected")

    def _wake(self) -> None:
        wakeup, self._wakeup = self._wakeup, None
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    # -- running --------------------------------------------------------------------------

    async def run(self) -> None:
        """Run the pipeline until it ends or the client leaves; never raises."""
        task = self.bot.task
        self.transport.attach(self.connection)
        self.connection.attach(self)
        code, reason = close_codes.NORMAL, "session ended"
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._pump)
                await task.run()
                group.cancel_scope.cancel()
            code, reason = close_codes.end_of_run(task)
        except Exception:
            logger.exception("session %s (%s) failed", task.name, self.connection.peer)
            code, reason = close_codes.INTERNAL_ERROR, "the bot failed"
        finally:
            self.connection.close(code, reason)
            self.server.session_ended(self)
            # The transport and its processors refer to each other (a cycle the cyclic GC
            # frees): keep the connection, its buffers and protocol state, out of it.
            self.transport.attach(None)

    async def cancel(self, reason: str) -> None:
        """Cancel the pipeline (the server is shutting down, or the client left)."""
        await self.bot.task.cancel(reason)

    def leave(self, reason: str) -> None:
        """Start cancelling the pipeline in the background (once)."""
        if self._leaving is None:
            self._leaving = asyncio.get_running_loop().create_task(
                self.cancel(reason), name=f"cancel {self.connection.peer}"
            )

    async def _pump(self) -> None:
        input_transport = self.transport.input()
        await input_transport.wait_started()
        if self._gone:
            return  # the client left while the pipeline was starting: leave() cancels it
        self._pumping = True
        await input_transport.push_frame(ClientConnectedFrame())
        await self.transport._call_event_handler("on_client_connected", self.connection)
        inbox = self._inbox
        loop = asyncio.get_running_loop()
        while True:
            while inbox:
                await input_transport.receive(inbox.popleft())
                if not self._reading and len(inbox) <= INBOX_LOW:
                    self._reading = True
                    self.connection.resume_reading()
            if self._gone:
                await self.transport._call_event_handler("on_client_disconnected", self.connection)
                await self.cancel("client disconnected")
                return
            self._wakeup = loop.create_future()
            await self._wakeup
