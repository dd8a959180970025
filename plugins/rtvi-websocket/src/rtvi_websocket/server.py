"""``SessionServer``: many bot sessions on one port, with HTTP routes and limits.

Routes (one port, HTTP/1.1, one request per connection):

* ``POST /start`` → ``{"wsUrl": "ws://host:port/ws"}`` (+ ``"token"`` with auth on),
  what the stock client's ``startBotAndConnect({endpoint: "/start"})`` expects;
  503 when full or draining. ``OPTIONS /start`` answers CORS preflights.
* ``GET /health`` → ``{"status", "sessions", "max_sessions", "bot"}``.
* ``GET /`` → the playground page; ``GET /playground/<file>`` → its assets.
* ``GET /ws`` (WebSocket upgrade) → a new session: one pipeline per connection.

Refusals: a disallowed ``Origin`` gets HTTP 403 before any upgrade; once upgraded,
a connection with no room is closed with 1013 and one with a bad token with 4003
(see :mod:`rtvi_websocket.close_codes`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from importlib import resources
from typing import TYPE_CHECKING, Callable

import anyio
import msgspec

from . import close_codes
from .connection import Connection
from .http import Request, error_response, json_response, response
from .limits import ServerSettings
from .session import Session
from .tokens import TokenError, TokenSigner

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

logger = logging.getLogger("rtvi_websocket.server")

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_ASSET = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*$")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".wav": "audio/wav",
}
_NOT_BUILT = (
    b"<!doctype html><title>rtvi playground</title><p>The playground page is not built in this "
    b"installation. Reinstall rtvi-websocket with node and npm available "
    b"(<code>pip install -e plugins/rtvi-websocket</code>).</p>"
)


class SessionServer:
    """Serves one bot file's sessions on ``host:port`` until told to stop."""

    def __init__(self, sessions: SessionFactory, settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 7860) -> None:
        self.sessions = sessions
        self.settings = settings
        self.host = host
        self.port = port
        self.tokens = TokenSigner(settings.auth_secret, settings.token_ttl_secs) if settings.auth else None
        self._live: set[Session] = set()
        self._connections: set[Connection] = set()
        self._draining = False
        self._group: anyio.abc.TaskGroup | None = None
        self._listener: asyncio.Server | None = None
        self._stopped: asyncio.Event | None = None
        self._deadline: asyncio.TimerHandle | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def session_count(self) -> int:
        """Sessions running now."""
        return len(self._live)

    @property
    def draining(self) -> bool:
        """True once shutdown has begun."""
        return self._draining

    async def serve(self, *, on_listening: Callable[[str, int], None] | None = None, handle_signals: bool = True) -> None:
        """Listen and serve until :meth:`drain` completes (SIGTERM/SIGINT start it)."""
        loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._listener = await loop.create_server(lambda: Connection(self), self.host, self.port)
        host, port = self._listener.sockets[0].getsockname()[:2]
        self.port = port
        logger.info("listening on http://%s:%d (bot %r)", host, port, self.sessions.config.model.bot.name)
        if on_listening is not None:
            on_listening(host, port)
        signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
        for signum in signals:
            loop.add_signal_handler(signum, self.drain)
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                await self._stopped.wait()
                group.cancel_scope.cancel()
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
            self._listener.close()
            for connection in list(self._connections):
                connection.abort()

    def drain(self) -> None:
        """Stop accepting; end when the sessions have ended or the drain deadline passes.

        A second call (a second Ctrl-C) closes the remaining sessions at once.
        """
        if self._draining:
            self._close_sessions()
            return
        self._draining = True
        timeout = self.settings.drain_timeout_secs
        logger.info("shutting down: draining %d session(s), at most %.0f s", len(self._live), timeout)
        if self._listener is not None:
            self._listener.close()
        self._deadline = asyncio.get_running_loop().call_later(timeout, self._close_sessions)
        self._check_stopped()

    def _close_sessions(self) -> None:
        if self._live:
            logger.info("closing %d session(s)", len(self._live))
        for session in list(self._live):
            session.connection.close(close_codes.GOING_AWAY, "server shutting down")
            if self._group is not None:
                self._group.start_soon(session.cancel, "server shutting down")

    def _check_stopped(self) -> None:
        if self._draining and not self._live and self._stopped is not None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._stopped.set()

    # -- called by connections and sessions ---------------------------------------------------

    def connection_opened(self, connection: Connection) -> None:
        self._connections.add(connection)

    def connection_closed(self, connection: Connection) -> None:
        self._connections.discard(connection)

    def session_ended(self, session: Session) -> None:
        if session in self._live:
            self._live.discard(session)
            self.sessions.ended(session.bot)
            self._check_stopped()

    # -- routing ------------------------------------------------------------------------------

    def handle_request(self, connection: Connection, request: Request) -> None:
        """Answer one HTTP request (or upgrade it to a session)."""
        path, method = request.path, request.method
        if not self._origin_allowed(request):
            origin = request.headers.get("origin", "")
            logger.info("%s: origin %r not allowed", connection.peer, origin)
            connection.respond(error_response(403, f"origin {origin[:100]!r} is not allowed"))
        elif path == "/ws":
            if request.is_websocket_upgrade:
                self._open_session(connection, request)
            else:
                connection.respond(error_response(426, "this endpoint speaks WebSocket", {"Upgrade": "websocket"}))
        elif path == "/start":
            self._start(connection, request)
        elif path == "/health":
            self._only(connection, request, ("GET", "HEAD"), self._health)
        elif path == "/" or path.startswith("/playground/"):
            self._only(connection, request, ("GET", "HEAD"), self._playground)
        else:
            connection.respond(error_response(404, f"no such endpoint: {path[:100]}"))

    def _only(self, connection: Connection, request: Request, methods: tuple[str, ...], handler: Callable[[Request], bytes]) -> None:
        if request.method not in methods:
            connection.respond(error_response(405, f"{request.method} is not allowed here", {"Allow": ", ".join(methods)}))
        else:
            connection.respond(handler(request))

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True  # not a browser (browsers always send Origin on WebSocket and CORS requests)
        allowed = self.settings.allowed_origins
        if "*" in allowed or origin in allowed:
            return True
        host = request.headers.get("host", "")
        return origin in (f"http://{host}", f"https://{host}")

    def _cors(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}

    def _start(self, connection: Connection, request: Request) -> None:
        cors = self._cors(request)
        if request.method == "OPTIONS":
            headers = cors | {
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers", "Content-Type")[:200],
                "Access-Control-Max-Age": "600",
            }
            connection.respond(response(204, headers=headers))
            return
        if request.method != "POST":
            connection.respond(error_response(405, "use POST /start", {"Allow": "POST, OPTIONS"} | cors))
            return
        if request.body.strip():
            try:
                msgspec.json.decode(request.body)
            except msgspec.DecodeError as exc:
                connection.respond(error_response(400, f"the request body is not JSON: {exc}", cors))
                return
        refusal = self._refusal()
        if refusal is not None:
            connection.respond(error_response(503, refusal, cors | {"Retry-After": "5"}))
            return
        answer: dict[str, str] = {"wsUrl": self._ws_url(request)}
        if self.tokens is not None:
            answer["token"] = self.tokens.issue()
        connection.respond(json_response(200, answer, cors))

    def _refusal(self) -> str | None:
        if self._draining:
            return "the server is shutting down"
        if len(self._live) >= self.settings.max_sessions:
            return f"the server is full ({self.settings.max_sessions} sessions): try again later"
        return None

    def _ws_url(self, request: Request) -> str:
        public = self.settings.public_url
        if public:
            base = public.rstrip("/")
            base = "wss" + base[5:] if base.startswith("https") else "ws" + base[4:] if base.startswith("http") else base
            return f"{base}/ws"
        host = request.headers.get("host", "")
        if not _HOST.match(host):
            host = f"{self.host}:{self.port}"
        return f"ws://{host}/ws"

    def _health(self, request: Request) -> bytes:
        payload = {
            "status": "draining" if self._draining else "ok",
            "sessions": len(self._live),
            "max_sessions": self.settings.max_sessions,
            "bot": self.sessions.config.model.bot.name,
        }
        return json_response(200, payload)

    def _playground(self, request: Request) -> bytes:
        name = "index.html" if request.path == "/" else request.path.removeprefix("/playground/")
        head_only = request.method == "HEAD"
        if not _ASSET.match(name):
            return error_response(404, "no such file")
        asset = resources.files("rtvi_websocket") / "playground" / name
        if not asset.is_file():
            if name == "index.html":
                return response(200, _NOT_BUILT, _CONTENT_TYPES[".html"], head_only=head_only)
            return error_response(404, f"no such file: {name}")
        suffix = name[name.rfind(".") :] if "." in name else ""
        content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
        return response(200, asset.read_bytes(), content_type, head_only=head_only)

    def _open_session(self, connection: Connection, request: Request) -> None:
        if not connection.upgrade(request):
            return
        refusal = self._refusal()
        if refusal is not None:
            connection.close(close_codes.TRY_AGAIN_LATER, refusal)
            return
        if self.tokens is not None:
            try:
                self.tokens.verify(request.query.get("token", ""))
            except TokenError as exc:
                logger.info("%s: refused: %s", connection.peer, exc)
                connection.close(close_codes.FORBIDDEN, str(exc))
                return
        try:
            bot = self.sessions.create()
        except Exception as exc:
            logger.exception("could not build a session for %s", connection.peer)
            connection.close(close_codes.INTERNAL_ERROR, f"could not start the bot: {exc}")
            return
        session = Session(self, connection, bot)
        self._live.add(session)
        assert self._group is not None
        self._group.start_soon(session.run, name=f"session {connection.peer}")
