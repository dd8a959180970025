"""``WebSocketFrontend``: the websocket transport's part of the session server.

* ``GET /ws`` (WebSocket upgrade) → a new session: one pipeline per connection. A
  connection with no room is closed with 1013 once upgraded, one with a bad token with
  4003 (see :mod:`rtvi_websocket.close_codes`); any other request there gets 426.
* ``POST /start`` answers ``{"wsUrl": "ws://host:port/ws"}`` (+ ``"token"`` with auth on).
* ``GET /`` → the playground page; ``GET /playground/<file>`` → its assets.

At the drain deadline the sessions' connections are closed with 1001.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core.server.http import Request, error_response
from rtvi_core.server.routes import Answer, Call, Route
from rtvi_core.server.tokens import TokenError

from . import close_codes, log
from .connection import WebSocketConnection
from .playground import playground_routes
from .session import Session
from .settings import WebSocketSettings

if TYPE_CHECKING:
    from rtvi_core.server.frontend import StartCall

logger = log.logger.getChild("frontend")


def _is_upgrade(request: Request) -> bool:
    """True for a GET asking to upgrade to WebSocket."""
    return request.method == "GET" and "websocket" in request.headers.get("upgrade", "").lower()


class WebSocketFrontend:
    """Serves WebSocket sessions (protobuf frames) and the playground on a session server."""

    name: ClassVar[str] = "websocket"

    def __init__(self, settings: WebSocketSettings) -> None:
        self.settings = settings
        self._sessions: set[Session] = set()

    def routes(self) -> list[Route]:
        return [Route(None, "/ws", self._open_session), *playground_routes()]

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        answer = {"wsUrl": self._ws_url(call)}
        if call.server.tokens is not None:
            answer["token"] = call.server.tokens.issue()
        return answer

    def close_all(self, reason: str) -> None:
        for session in list(self._sessions):
            session.connection.close(close_codes.GOING_AWAY, reason)

    def health(self) -> dict[str, Any]:
        return {}

    def _ws_url(self, call: StartCall) -> str:
        public = self.settings.public_url
        if public:
            base = public.rstrip("/")
            base = (
                "wss" + base[5:] if base.startswith("https") else "ws" + base[4:] if base.startswith("http") else base
            )
            return f"{base}/ws"
        host = call.request.host or f"{call.server.host}:{call.server.port}"
        return f"ws://{host}/ws"

    def _open_session(self, call: Call) -> Answer:
        if not _is_upgrade(call.request):
            return error_response(426, "this endpoint speaks WebSocket", {"Upgrade": "websocket"})
        refusal_answer = self.refuse_upgrade(call)
        if refusal_answer is not None:
            return refusal_answer
        server = call.server
        connection = WebSocketConnection.accept(call.connection, call.request, self.settings)
        if connection is None:
            return None
        refusal = server.refusal()
        if refusal is not None:
            connection.close(close_codes.TRY_AGAIN_LATER, refusal)
            return None
        if not self.admits(call, connection):
            return None
        try:
            bot = server.sessions.create(self.name)
        except Exception as exc:
            logger.exception("could not build a session for %s", connection.peer)
            connection.close(close_codes.INTERNAL_ERROR, f"could not start the bot: {exc}")
            return None
        session = self.new_session(call, connection, bot)
        self._sessions.add(session)
        server.run_session(session)
        return None

    def refuse_upgrade(self, call: Call) -> Answer | None:
        """An HTTP answer refusing ``call``'s upgrade before it happens (a 403), or None to go on."""
        return None

    def admits(self, call: Call, connection: WebSocketConnection) -> bool:
        """Whether the upgraded ``connection`` may have a session: its ``?token=`` when the
        server issues tokens (else closed with 4003)."""
        try:
            call.server.check_token(call.request.query.get("token", ""))
        except TokenError as exc:
            logger.info("%s: refused: %s", connection.peer, exc)
            connection.close(close_codes.FORBIDDEN, str(exc))
            return False
        return True

    def new_session(self, call: Call, connection: WebSocketConnection, bot: Any) -> Session:
        """The session that runs ``bot`` for ``connection``."""
        return Session(call.server, connection, bot, self._sessions)
