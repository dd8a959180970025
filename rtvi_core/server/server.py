"""``SessionServer``: many bot sessions on one port, with HTTP routes and limits.

Routes (one port, HTTP/1.1, one request per connection):

* ``POST /start`` → the answer of the frontend the body's ``"transport"`` names (none:
  the first, the bot file's transport): e.g. ``{"wsUrl": ...}`` for the websocket
  transport, what the stock client's ``startBotAndConnect({endpoint: "/start"})``
  expects; 400 for a transport not served here, 503 when full or draining, 429 beyond
  the per-address rate, 401 without the API key when one is set. ``OPTIONS /start``
  answers CORS preflights.
* ``GET /health`` → ``{"status", "sessions", "max_sessions", "bot", "transports", "loop"}``
  (``transports``: the frontends' names, the default first; ``loop``: the event loop's lag,
  :class:`~rtvi_core.loop_monitor.LoopLag`), plus each frontend's fields, and ``worker``
  (``index``, ``count``, ``pid``) in one of ``rtvi run --workers N`` (:mod:`.workers`).
* each frontend's routes (:meth:`~.frontend.Frontend.routes`): its client endpoint, its pages.

Every request passes the ``Host`` rule (421 otherwise, :mod:`.hosts`), then the
``Origin`` rule (403, :mod:`.origins`); refusals have a JSON body naming the setting to
change and are logged at WARNING once per origin/host per minute.

Shutdown (SIGTERM/SIGINT, :meth:`SessionServer.drain`): the server keeps listening, so
``/start`` answers 503 and ``/health`` says ``draining``; sessions may finish until
``drain_timeout_secs``, then the frontends close their clients' links and the sessions
are cancelled; whatever still runs :data:`CANCEL_GRACE_SECS` later is abandoned and the
server stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from rtvi_core.loop_monitor import LoopMonitor

from . import hosts, log, origins, workers
from .connection import HttpConnection
from .cors import cors_headers, preflight
from .frontend import Frontend, StartCall, StartRequest
from .http import HttpError, Request, error_response, json_response, response
from .limits import ServerSettings
from .reservations import Reservations
from .routes import Answer, Call, Route
from .sessions import SessionRunner
from .start_guard import StartGuard
from .throttled_log import ThrottledLog
from .tokens import TokenSigner

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

logger = log.logger

#: After the drain deadline, how long cancelled sessions get to end before the server stops anyway.
CANCEL_GRACE_SECS = 5.0
#: Exit status of ``rtvi run`` when sessions had to be abandoned at shutdown.
EXIT_ABANDONED = 1

_decode_start = msgspec.json.Decoder(StartRequest).decode


class SessionServer:
    """Serves one bot file's sessions on ``host:port``, through ``frontends``, until told to stop.

    The first frontend answers ``/start`` requests that name no transport.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        settings: ServerSettings,
        frontends: Sequence[Frontend],
        *,
        host: str = "127.0.0.1",
        port: int = 7860,
    ) -> None:
        if not frontends:
            raise ValueError("a session server needs at least one frontend")
        self.sessions = sessions
        self.settings = settings
        self.frontends = {frontend.name: frontend for frontend in frontends}
        if len(self.frontends) != len(frontends):
            raise ValueError(f"two frontends have one name: {[frontend.name for frontend in frontends]}")
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
        #: This process's place among ``rtvi run --workers N`` (None: the only server on its port).
        self.worker = workers.worker_place()
        #: Sessions promised by ``/start`` and not yet claimed (they count against ``max_sessions``).
        self.reservations = Reservations()
        self.loop_monitor = LoopMonitor()
        self._default = frontends[0]
        self._routes = [
            Route(("POST",), "/start", self._start, cors=True),
            Route(("GET", "HEAD"), "/health", self._health),
            *(route for frontend in frontends for route in frontend.routes()),
        ]
        self._refusals = ThrottledLog(logger)
        self._live: dict[SessionRunner, asyncio.Task[None]] = {}
        self._connections: set[HttpConnection] = set()
        self._answering: set[asyncio.Task[None]] = set()
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
        place = self.worker
        if place is None:
            self._listener = await loop.create_server(lambda: HttpConnection(self), self.host, self.port)
        else:  # one of `rtvi run --workers N`: the supervisor's port, shared with the others
            self._listener = await loop.create_server(
                lambda: HttpConnection(self), self.host, place.port, reuse_port=True
            )
        host, port = self._listener.sockets[0].getsockname()[:2]
        self.port = port
        logger.info("listening on http://%s:%d (bot %r)", host, port, self.sessions.config.model.bot.name)
        if on_listening is not None:
            on_listening(host, port)
        signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
        if place is not None and handle_signals:
            # The supervisor forwards signals; the terminal's Ctrl-C reaches the workers too.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signals = (signal.SIGTERM,)
            place.listening()
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
            for answering in self._answering:
                answering.cancel()
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
        """The drain deadline: close the clients' links, cancel every session, stop after the grace period."""
        reason = "server shutting down"
        if self._live:
            logger.info("closing %d session(s)", len(self._live))
        for frontend in self.frontends.values():
            frontend.close_all(reason)
        for session in list(self._live):
            session.leave(reason)
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

    # -- sessions -------------------------------------------------------------------------------

    def refusal(self) -> str | None:
        """Why a new session cannot start now (draining, or full: live and reserved), else None."""
        if self._draining:
            return "the server is shutting down"
        held = len(self._live) + self.reservations.count(asyncio.get_running_loop().time())
        if held >= self.settings.max_sessions:
            return f"the server is full ({self.settings.max_sessions} sessions): try again later"
        return None

    def run_session(self, session: SessionRunner) -> None:
        """Run ``session`` (admitted: see :meth:`refusal`) until it ends; the server counts it meanwhile."""
        self._live[session] = asyncio.get_running_loop().create_task(session.run(), name=f"session {session.peer}")

    def session_ended(self, session: SessionRunner) -> None:
        """``session`` is over (called by :meth:`SessionRunner.run`): fire ``rtvi_session_ended``."""
        if self._live.pop(session, None) is not None:
            self.sessions.ended(session.bot)
            self._check_stopped()

    # -- called by connections ------------------------------------------------------------------

    def connection_opened(self, connection: HttpConnection) -> None:
        self._connections.add(connection)

    def connection_closed(self, connection: HttpConnection) -> None:
        self._connections.discard(connection)

    # -- routing --------------------------------------------------------------------------------

    def handle_request(self, connection: HttpConnection, request: Request) -> None:
        """Answer one HTTP request (or hand it to the route that upgrades it)."""
        try:
            self._check_host_and_origin(connection, request)
        except HttpError as exc:
            connection.respond(exc.response())
            return
        path = request.path
        for route in self._routes:
            params = route.match(path)
            if params is None:
                continue
            cors = cors_headers(request) if route.cors else {}
            if route.cors and request.method == "OPTIONS":
                connection.respond(preflight(request, route.methods or ()))
                return
            refusal = route.refusal(request, cors)
            if refusal is not None:
                connection.respond(refusal)
                return
            self._answer(connection, route.handler(Call(self, connection, request, params, cors)))
            return
        if path == "*":
            connection.respond(response(204, headers={"Allow": "GET, HEAD, POST, OPTIONS"}))
        else:
            connection.respond(error_response(404, f"no such endpoint: {path[:100]}"))

    def _answer(self, connection: HttpConnection, answer: Answer) -> None:
        if answer is None:
            return
        if isinstance(answer, bytes):
            connection.respond(answer)
            return
        task = asyncio.get_running_loop().create_task(self._answer_later(connection, answer))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    @staticmethod
    async def _answer_later(connection: HttpConnection, answer: Awaitable[bytes]) -> None:
        try:
            data = await answer
        except Exception:
            logger.exception("%s: failed answering a request", connection.peer)
            data = error_response(500, "the server failed answering this request")
        connection.respond(data)

    def _check_host_and_origin(self, connection: HttpConnection, request: Request) -> None:
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

    def _start(self, call: Call) -> bytes:
        connection, request, cors = call.connection, call.request, dict(call.cors)
        try:
            self.start_guard.check(
                connection.peer_ip, request.headers.get("authorization"), asyncio.get_running_loop().time()
            )
            start = self._start_body(request.body)
            frontend = self._frontend(start.transport)
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
        refusal = self.refusal()
        if refusal is not None:
            return error_response(503, refusal, cors | {"Retry-After": "5"})
        try:
            answer = frontend.start_answer(StartCall(self, request, start))
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
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

    def _frontend(self, transport: str | None) -> Frontend:
        """The frontend answering ``/start`` for ``transport`` (None: the bot file's)."""
        if transport is None:
            return self._default
        frontend = self.frontends.get(transport)
        if frontend is None:
            served = ", ".join(self.frontends)
            raise HttpError(400, f"transport {transport[:40]!r} is not served here (served: {served})")
        return frontend

    def _health(self, call: Call) -> bytes:
        payload: dict[str, Any] = {
            "status": "draining" if self._draining else "ok",
            "sessions": len(self._live),
            "max_sessions": self.settings.max_sessions,
            "bot": self.sessions.config.model.bot.name,
            "transports": list(self.frontends),
            "loop": self.loop_monitor.snapshot(),
        }
        if self.worker is not None:
            payload["worker"] = {"index": self.worker.index, "count": self.worker.count, "pid": os.getpid()}
        for frontend in self.frontends.values():
            payload |= frontend.health()
        return json_response(200, payload)
