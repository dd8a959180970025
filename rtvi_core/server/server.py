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
  :class:`~rtvi_core.loop_monitor.LoopLag`), plus each frontend's fields (and ``cluster``,
  the membership's, in a cluster; ``worker``: ``index``, ``count``, ``pid`` in one of
  ``rtvi run --workers N``, :mod:`.workers`).
* each frontend's routes (:meth:`~.frontend.Frontend.routes`): its client endpoint, its pages.

Every request passes the ``Host`` rule, then the ``Origin`` rule (:class:`~.site.HttpSite`).

In a cluster (a ``cluster`` member, :mod:`.cluster`), ``/start`` reserves a slot on the
cluster's least-loaded worker of the bot and answers with that worker's ``wsUrl`` and a
token bound to it; tokens are always required, and only this worker's are accepted.

Shutdown (SIGTERM/SIGINT, :meth:`SessionServer.drain`): the server keeps listening, so
``/start`` answers 503 and ``/health`` says ``draining``; sessions may finish until
``drain_timeout_secs``, then the frontends close their clients' links and the sessions
are cancelled; whatever still runs :data:`CANCEL_GRACE_SECS` later is abandoned and the
server stops (and leaves its cluster).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rtvi_core.loop_monitor import LoopMonitor

from . import log, workers
from .extensions import ServerExtension, ServerExtensions
from .frontend import Frontend, StartCall, StartRequest, parse_start_body
from .http import HttpError, error_response, json_response
from .limits import ServerSettings
from .reservations import Reservations
from .routes import Answer, Call, Route
from .sessions import SessionRunner
from .site import HttpSite, shutdown_signals
from .start_guard import StartGuard
from .tokens import Token, TokenSigner

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

    from .cluster import ClusterMember

logger = log.logger

#: After the drain deadline, how long cancelled sessions get to end before the server stops anyway.
CANCEL_GRACE_SECS = 5.0
#: Exit status of ``rtvi run`` when sessions had to be abandoned at shutdown.
EXIT_ABANDONED = 1


class SessionServer(HttpSite):
    """Serves one bot file's sessions on ``host:port``, through ``frontends``, until told to stop.

    The first frontend answers ``/start`` requests that name no transport. ``cluster``:
    this server is a worker of that cluster.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        settings: ServerSettings,
        frontends: Sequence[Frontend],
        *,
        host: str = "127.0.0.1",
        port: int = 7860,
        cluster: ClusterMember | None = None,
    ) -> None:
        super().__init__(settings, host=host, port=port)
        if not frontends:
            raise ValueError("a session server needs at least one frontend")
        self.sessions = sessions
        self.cluster = cluster
        self.frontends = {frontend.name: frontend for frontend in frontends}
        if len(self.frontends) != len(frontends):
            raise ValueError(f"two frontends have one name: {[frontend.name for frontend in frontends]}")
        self.tokens: TokenSigner | None = None
        if cluster is not None:
            self.tokens = cluster.tokens
        elif settings.auth or settings.start_api_key is not None:
            self.tokens = TokenSigner(settings.auth_secret, settings.token_ttl_secs)
        self.start_guard = StartGuard(
            api_key=settings.start_api_key, rate=settings.start_rate_limit, burst=settings.start_rate_burst
        )
        #: This process's place among ``rtvi run --workers N`` (None: the only server on its port).
        self.worker = workers.worker_place()
        #: Sessions promised by ``/start`` and not yet claimed (they count against ``max_sessions``).
        self.reservations = Reservations()
        self.loop_monitor = LoopMonitor()
        self._default = frontends[0]
        self.routes = [
            Route(("POST",), "/start", self._start, cors=True),
            Route(("GET", "HEAD"), "/health", self._health),
            *(route for frontend in frontends for route in frontend.routes()),
        ]
        #: What plugins added (:meth:`add_extension`): routes, and listeners to the server's events.
        self.extensions = ServerExtensions()
        self._live: dict[SessionRunner, asyncio.Task[None]] = {}
        self._draining = False
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
        self._stopped = asyncio.Event()
        place = self.worker
        if place is None:
            host, port = await self.listen()
        else:  # one of `rtvi run --workers N`: the supervisor's port, shared with the others
            host, port = await self.listen(port=place.port, reuse_port=True)
        if self.cluster is not None:
            try:
                await self.cluster.join(self)
            except BaseException:
                self.close()
                raise
        logger.info("listening on http://%s:%d (bot %r)", host, port, self.sessions.config.model.bot.name)
        if on_listening is not None:
            on_listening(host, port)
        if place is not None:
            place.listening()
        try:
            # A worker hears Ctrl-C from its supervisor, as SIGTERM (the terminal's SIGINT reaches it too).
            with shutdown_signals(self.drain, enabled=handle_signals, interrupt=self.worker is None):
                async with self.loop_monitor:
                    await self._stopped.wait()
        finally:
            self.close()
            await self._end_sessions(exit_if_stuck)
            if self.cluster is not None:
                await self.cluster.leave()

    def drain(self) -> None:
        """Stop admitting sessions; end when they have ended or the drain deadline passes.

        A second call (a second Ctrl-C) closes the remaining sessions at once.
        """
        if self._draining:
            self._close_sessions()
            return
        self._draining = True
        if self.cluster is not None:
            self.cluster.drain()
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

    def add_extension(self, extension: ServerExtension) -> None:
        """Serve ``extension``'s routes (after the frontends') and tell it the server's events."""
        self.extensions.add(extension)
        self.routes = self.extensions.watch([*self.routes, *extension.routes()])

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
        if self.cluster is not None:
            self.cluster.sessions_changed(len(self._live))
        self.extensions.session_started(session)

    def session_ended(self, session: SessionRunner) -> None:
        """``session`` is over (called by :meth:`SessionRunner.run`): fire ``rtvi_session_ended``."""
        if self._live.pop(session, None) is not None:
            self.sessions.ended(session.bot)
            if self.cluster is not None:
                self.cluster.sessions_changed(len(self._live))
            self.extensions.session_ended(session)
            self._check_stopped()

    def check_token(self, token: str) -> Token | None:
        """Accept a client's session ``token`` (used up; None when this server needs none) or raise
        :class:`~.tokens.TokenError` saying why not (in a cluster: it was issued for another worker...)."""
        if self.tokens is None:
            return None
        checked = self.tokens.verify(token)
        if self.cluster is not None:
            self.cluster.claimed(checked)
        return checked

    def _start(self, call: Call) -> Answer:
        connection, request, cors = call.connection, call.request, dict(call.cors)
        try:
            self.start_guard.check(
                connection.peer_ip, request.headers.get("authorization"), asyncio.get_running_loop().time()
            )
            start = parse_start_body(request.body)
            frontend = self._frontend(start.transport)
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
        if self.cluster is not None:
            return self._dispatch(self.cluster, call, start)
        refusal = self.refusal()
        if refusal is not None:
            return error_response(503, refusal, cors | {"Retry-After": "5"})
        try:
            answer = frontend.start_answer(StartCall(self, request, start))
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
        return json_response(200, answer, cors)

    async def _dispatch(self, cluster: ClusterMember, call: Call, start: StartRequest) -> bytes:
        """``/start`` in a cluster: a slot on its least-loaded worker of the bot (maybe this one)."""
        try:
            answer = await cluster.start(start, call.request)
        except HttpError as exc:
            logger.info("%s: POST /start refused: %d %s", call.connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | dict(call.cors))
        return json_response(200, answer, dict(call.cors))

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
        if self.cluster is not None:
            payload["cluster"] = self.cluster.health()
        return json_response(200, payload)
