"""``HttpSite``: one listening port answering HTTP requests through routes.

What every HTTP front of the framework shares — the session server
(:class:`~.server.SessionServer`) and a cluster's gateway: the connections
(:mod:`.connection`), the ``Host`` rule (421 otherwise, :mod:`.hosts`) then the
``Origin`` rule (403, :mod:`.origins`), whose refusals have a JSON body naming the
setting to change and are logged at WARNING once per origin/host per minute; routing
(:mod:`.routes`) with CORS and preflights on API routes (:mod:`.cors`); handlers that
answer later (awaited; 500 if they raise).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from . import hosts, log, origins
from .connection import HttpConnection
from .cors import cors_headers, preflight
from .http import HttpError, Request, error_response, response
from .limits import ServerSettings
from .routes import Answer, SiteCall, SiteRoute
from .throttled_log import ThrottledLog


@contextmanager
def shutdown_signals(handler: Callable[[], None], *, enabled: bool = True, interrupt: bool = True) -> Iterator[None]:
    """Call ``handler`` on SIGTERM and SIGINT during the block (when ``enabled``; the loop's handlers).

    Without ``interrupt``, SIGINT is ignored during the block instead.
    """
    loop = asyncio.get_running_loop()
    signals: tuple[signal.Signals, ...] = ()
    if enabled:
        signals = (signal.SIGTERM, signal.SIGINT) if interrupt else (signal.SIGTERM,)
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN) if enabled and not interrupt else None
    for signum in signals:
        loop.add_signal_handler(signum, handler)
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        if ignored is not None:
            signal.signal(signal.SIGINT, ignored)


class HttpSite:
    """Serves ``routes`` on ``host:port`` under ``settings``' host, origin and timeout rules.

    A subclass sets :attr:`routes` (``self`` is the ``server`` of each :class:`~.routes.SiteCall`).
    """

    def __init__(self, settings: ServerSettings, *, host: str, port: int, logger: logging.Logger = log.logger) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.logger = logger
        self.hosts = hosts.HostRule(settings.allowed_hosts, listen_host=host, public_url=settings.public_url)
        self.origins = origins.OriginRule(
            settings.allowed_origins, loopback_server=hosts.is_loopback(hosts.split_host(host)[0])
        )
        self.routes: Sequence[SiteRoute[Any]] = ()
        self._refusals = ThrottledLog(logger)
        self._connections: set[HttpConnection] = set()
        self._answering: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Server | None = None

    async def listen(self, port: int | None = None, *, reuse_port: bool = False) -> tuple[str, int]:
        """Start accepting connections on ``port`` (None: :attr:`port`), sharing it with other
        processes when ``reuse_port``; the address bound (:attr:`port` is set to the one bound)."""
        loop = asyncio.get_running_loop()
        port = self.port if port is None else port
        self._listener = await loop.create_server(
            lambda: HttpConnection(self), self.host, port, reuse_port=reuse_port or None
        )
        host, port = self._listener.sockets[0].getsockname()[:2]
        self.port = port
        return host, port

    def close(self) -> None:
        """Stop listening, drop every open connection and cancel the answers still awaited."""
        if self._listener is not None:
            self._listener.close()
        for connection in list(self._connections):
            connection.abort()
        for answering in self._answering:
            answering.cancel()

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
        for route in self.routes:
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
            self._answer(connection, route.handler(SiteCall(self, connection, request, params, cors)))
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

    async def _answer_later(self, connection: HttpConnection, answer: Awaitable[bytes]) -> None:
        try:
            data = await answer
        except Exception:
            self.logger.exception("%s: failed answering a request", connection.peer)
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
