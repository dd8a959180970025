"""``SessionServer``: many bot sessions on one port, with HTTP routes and limits.

Routes (one port, HTTP/1.1, one request per connection):

* ``POST /start`` → ``{"wsUrl": "ws://host:port/ws"}`` (+ ``"token"`` with auth on),
  what the stock client's ``startBotAndConnect({endpoint: "/start"})`` expects;
  503 when full or draining, 429 beyond the per-address rate, 401 without the API
  key when one is set. ``OPTIONS /start`` answers CORS preflights.
* ``GET /health`` → ``{"status", "sessions", "max_sessions", "bot", "loop"}`` (``loop``: the
  event loop's lag, :class:`~rtvi_core.loop_monitor.LoopLag`).
* ``GET /`` → the playground page; ``GET /playground/<file>`` → its assets.
* ``GET /ws`` (WebSocket upgrade) → a new session: one pipeline per connection.

Every request passes the ``Host`` rule (421 otherwise, :mod:`rtvi_websocket.hosts`),
then the ``Origin`` rule (403, :mod:`rtvi_websocket.origins`); refusals have a JSON
body naming the setting to change and are logged at WARNING once per origin/host per
minute. Once upgraded, a connection with no room is closed with 1013 and one with a
bad token with 4003 (see :mod:`rtvi_websocket.close_codes`).

Shutdown (SIGTERM/SIGINT, :meth:`SessionServer.drain`): the server keeps listening, so
``/start`` answers 503 and ``/health`` says ``draining``; sessions may finish until
``drain_timeout_secs``, then they are closed with 1001 and cancelled; whatever still
runs :data:`CANCEL_GRACE_SECS` later is abandoned and the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from rtvi_core.loop_monitor import LoopMonitor

from . import close_codes, hosts, log, origins
from .connection import Connection
from .http import HttpError, Request, error_response, json_response, response
from .limits import ServerSettings
from .playground import is_playground_path, playground_response
from .session import Session
from .start_guard import StartGuard
from .throttled_log import ThrottledLog
from .tokens import TokenError, TokenSigner

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

logger = log.logger.getChild("server")

#: After the drain deadline, how long cancelled sessions get to end before the server stops anyway.
CANCEL_GRACE_SECS = 5.0
#: Exit status of ``rtvi run`` when sessions had to be abandoned at shutdown.
EXIT_ABANDONED = 1
#: What a preflight may ask to send (header names only; anything else is refused).
_HEADER_LIST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ")


class StartRequest(msgspec.Struct):
    """The optional JSON body of ``POST /start`` (the keys Pipecat's runner reads; others are ignored)."""

    createDailyRoom: bool = False
    enableDefaultIceServers: bool = False
    body: Any = None


_decode_start = msgspec.json.Decoder(StartRequest).decode


class SessionServer:
    """Serves one bot file's sessions on ``host:port`` until told to stop."""

    def __init__(
        self, sessions: SessionFactory, settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 7860
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.host = host
        self.port = port
        needs_tokens = settings.auth or settings.start_api_key is not None
        self.tokens = TokenSigner(settings.auth_secret, settings.token_ttl_secs) if needs_tokens else None
        self.hosts = hosts.HostRule(settings.allowed_hosts, listen_host=host, public_url=settings.public_url)
        self.origins = origins.OriginRule(
            settings.allowed_origins, loopback_server=hosts.is_loopback(hosts.split_host(host)[0])
        )
        self.start_guard = StartGuard(
            api_key=settings.start_api_key, rate=settings.start_rate_limit, burst=settings.start_rate_burst
        )
        self._refusals = ThrottledLog(logger)
        self.loop_monitor = LoopMonitor()
        self._live: dict[Session, asyncio.Task[None]] = {}
        self._connections: set[Connection] = set()
        self._draining = False
        self._listener: asyncio.Server | None = None
        self._stopped: asyncio.Event | None = None
        self._timer: asyncio.TimerHandle | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def session_count(self) -> int:
        """Sessions running now."""
        return len(self._live)

    @property
    def draining(self) -> bool:
        """True once shutdown has begun."""
        return self._draining

    async def serve(
        self,
        *,
        on_listening: Callable[[str, int], None] | None = None,
        handle_signals: bool = True,
        exit_if_stuck: bool = False,
    ) -> None:
        """Listen and serve until :meth:`drain` completes (SIGTERM/SIGINT start it).

        With ``exit_if_stuck`` (``rtvi run``), sessions that ignore their cancellation
        end the process (status :data:`EXIT_ABANDONED`) after a log line naming them,
        since the event loop could never finish them.
        """
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
            async with self.loop_monitor:
                await self._stopped.wait()
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
            self._listener.close()
            for connection in list(self._connections):
                connection.abort()
            await self._end_sessions(exit_if_stuck)

    def drain(self) -> None:
        """Stop admitting sessions; end when they have ended or the drain deadline passes.

        A second call (a second Ctrl-C) closes the remaining sessions at once.
        """
        if self._draining:
            self._close_sessions()
            return
        self._draining = True
        timeout = self.settings.drain_timeout_secs
        logger.info("shutting down: draining %d session(s), at most %.0f s", len(self._live), timeout)
        self._timer = asyncio.get_running_loop().call_later(timeout, self._close_sessions)
        self._check_stopped()

    def _close_sessions(self) -> None:
        """The drain deadline: close and cancel every session, and stop after the grace period."""
        if self._live:
            logger.info("closing %d session(s)", len(self._live))
        for session in list(self._live):
            session.connection.close(close_codes.GOING_AWAY, "server shutting down")
            session.leave("server shutting down")
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(CANCEL_GRACE_SECS, self._stop)
        self._check_stopped()

    def _stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    def _check_stopped(self) -> None:
        if self._draining and not self._live:
            if self._timer is not None:
                self._timer.cancel()
            self._stop()

    async def _end_sessions(self, exit_if_stuck: bool) -> None:
        """Cancel what still runs; abandon (or, with ``exit_if_stuck``, exit on) what ignores it.

        That is the session tasks, and with ``exit_if_stuck`` (the process is ending) every
        other task of the loop too — e.g. a provider's ``start()`` that a session left
        behind — since ``asyncio.run`` would wait forever for one that swallows its
        cancellation.
        """
        tasks = set(self._live.values())
        if exit_if_stuck:
            tasks |= asyncio.all_tasks() - {asyncio.current_task()}
        tasks = {task for task in tasks if not task.done()}
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        _, stuck = await asyncio.wait(tasks, timeout=1.0)
        if not stuck:
            return
        names = ", ".join(sorted(task.get_name() for task in stuck))
        logger.error(
            "%d task(s) ignored cancellation at shutdown (%s); %s",
            len(stuck),
            names,
            "exiting anyway" if exit_if_stuck else "abandoning them",
        )
        if exit_if_stuck:
            for handler in logging.getLogger().handlers:
                handler.flush()
            sys.stderr.flush()
            os._exit(EXIT_ABANDONED)

    # -- called by connections and sessions ---------------------------------------------------

    def connection_opened(self, connection: Connection) -> None:
        self._connections.add(connection)

    def connection_closed(self, connection: Connection) -> None:
        self._connections.discard(connection)

    def session_ended(self, session: Session) -> None:
        if self._live.pop(session, None) is not None:
            self.sessions.ended(session.bot)
            self._check_stopped()

    # -- routing ------------------------------------------------------------------------------

    def handle_request(self, connection: Connection, request: Request) -> None:
        """Answer one HTTP request (or upgrade it to a session)."""
        try:
            self._check_host_and_origin(connection, request)
        except HttpError as exc:
            connection.respond(exc.response())
            return
        path = request.path
        if path == "/ws":
            if request.is_websocket_upgrade:
                self._open_session(connection, request)
            else:
                connection.respond(error_response(426, "this endpoint speaks WebSocket", {"Upgrade": "websocket"}))
        elif path == "/start":
            connection.respond(self._start(connection, request))
        elif path == "/health":
            connection.respond(self._only(request, ("GET", "HEAD")) or self._health())
        elif is_playground_path(path):
            connection.respond(self._only(request, ("GET", "HEAD")) or playground_response(path))
        elif path == "*":
            connection.respond(response(204, headers={"Allow": "GET, HEAD, POST, OPTIONS"}))
        else:
            connection.respond(error_response(404, f"no such endpoint: {path[:100]}"))

    def _check_host_and_origin(self, connection: Connection, request: Request) -> None:
        what = f"{request.method} {request.path[:100]} from {connection.peer_ip}"
        if not self.hosts.allows(request.host):
            host = request.host[:100]
            self._refusals.warning(
                f"host {host}", "refused host %r (%s): add it to %s to serve it", host, what, hosts.SETTING
            )
            raise HttpError(421, f"host {host!r} is not served here: add it to {hosts.SETTING} to allow it")
        origin = request.headers.get("origin")
        if not self.origins.allows(origin, request.host):
            origin = (origin or "")[:100]
            self._refusals.warning(
                f"origin {origin}", "refused origin %r (%s): add it to %s to allow it", origin, what, origins.SETTING
            )
            raise HttpError(403, f"origin {origin!r} is not allowed: add it to {origins.SETTING} to allow it")

    @staticmethod
    def _only(request: Request, methods: tuple[str, ...]) -> bytes | None:
        """A 405 answer unless the request uses one of ``methods``."""
        if request.method in methods:
            return None
        return error_response(405, f"{request.method} is not allowed here", {"Allow": ", ".join(methods)})

    def _start(self, connection: Connection, request: Request) -> bytes:
        origin = request.headers.get("origin")
        cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
        if request.method == "OPTIONS":
            asked = request.headers.get("access-control-request-headers", "Content-Type")
            if len(asked) > 500 or not _HEADER_LIST.issuperset(asked):
                return error_response(400, "Access-Control-Request-Headers must be a list of header names", cors)
            headers = cors | {
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": asked,
                "Access-Control-Max-Age": "600",
            }
            return response(204, headers=headers)
        if request.method != "POST":
            return error_response(405, "use POST /start", {"Allow": "POST, OPTIONS"} | cors)
        try:
            self.start_guard.check(
                connection.peer_ip, request.headers.get("authorization"), asyncio.get_running_loop().time()
            )
            self._start_body(request.body)
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
        refusal = self._refusal()
        if refusal is not None:
            return error_response(503, refusal, cors | {"Retry-After": "5"})
        answer: dict[str, str] = {"wsUrl": self._ws_url(request)}
        if self.tokens is not None:
            answer["token"] = self.tokens.issue()
        return json_response(200, answer, cors)

    @staticmethod
    def _start_body(body: bytes) -> StartRequest:
        if not body.strip():
            return StartRequest()
        try:
            return _decode_start(body)
        except msgspec.ValidationError as exc:
            raise HttpError(400, f"invalid request body: {exc}") from None
        except msgspec.DecodeError as exc:
            raise HttpError(400, f"the request body is not JSON: {exc}") from None
        except RecursionError:
            raise HttpError(400, "the request body is nested too deeply") from None

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
            base = (
                "wss" + base[5:] if base.startswith("https") else "ws" + base[4:] if base.startswith("http") else base
            )
            return f"{base}/ws"
        host = request.host or f"{self.host}:{self.port}"
        return f"ws://{host}/ws"

    def _health(self) -> bytes:
        payload: dict[str, Any] = {
            "status": "draining" if self._draining else "ok",
            "sessions": len(self._live),
            "max_sessions": self.settings.max_sessions,
            "bot": self.sessions.config.model.bot.name,
            "loop": self.loop_monitor.snapshot(),
        }
        return json_response(200, payload)

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
        self._live[session] = asyncio.get_running_loop().create_task(session.run(), name=f"session {connection.peer}")
