"""``CallSession``: one phone call's pipeline, fed from the carrier's media stream."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rtvi_websocket import close_codes
from rtvi_websocket.session import Session

from . import log

if TYPE_CHECKING:
    from rtvi_websocket.connection import WebSocketConnection

    from rtvi_core.server.server import SessionServer

    from .transport import TelephonyTransport

logger = log.logger.getChild("session")


class CallSession(Session):
    """A websocket :class:`~rtvi_websocket.session.Session` whose client introduces itself later.

    The call is connected when the carrier's ``start`` arrives (the transport fires
    ``on_client_connected`` then, with the call), not when the socket opens; a stream
    without ``start`` within ``start_timeout_secs`` is closed. The call goes into the
    session's ``BotSession.data["call"]``.
    """

    def __init__(
        self, server: SessionServer, connection: WebSocketConnection, bot: Any, live: set[Session], timeout: float
    ) -> None:
        super().__init__(server, connection, bot, live)
        self.call_transport: TelephonyTransport = bot.transport
        data = getattr(bot, "data", None)
        if isinstance(data, dict):
            self.call_transport.session_data = data
        self._timeout = timeout
        self._start_timer: asyncio.TimerHandle | None = None

    async def run(self) -> None:
        self._start_timer = asyncio.get_running_loop().call_later(self._timeout, self._check_started)
        await super().run()

    def released(self) -> None:
        if self._start_timer is not None:
            self._start_timer.cancel()
            self._start_timer = None
        super().released()

    async def client_arrived(self) -> None:
        """Nothing yet: the call is announced by the carrier's ``start`` (see the transport)."""

    async def client_left(self) -> None:
        call = self.call_transport.call
        if call is not None:
            await self.call_transport._call_event_handler("on_client_disconnected", call)

    def _check_started(self) -> None:
        self._start_timer = None
        if self.call_transport.call is None:
            logger.warning("%s: no start message within %.0f s: closing the stream", self.peer, self._timeout)
            self.connection.close(close_codes.POLICY_VIOLATION, "no start message")
