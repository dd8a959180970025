"""``ServerExtension``: what a plugin adds to a session server — routes, and what it hears.

A plugin's ``rtvi_server_extensions`` hook (:mod:`rtvi_core.hookspecs`) registers them
when a bot file's server is built (:func:`~.bot_server.bot_server`). The server serves
an extension's routes after its frontends' and tells it, as they happen, that a session
started or ended and that a route's request was answered (with the status and how long
the answer took: ``POST /start`` included). Events run on the event loop, inline: an
extension must be quick. One that raises is logged (once a minute) and the server goes on.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from . import log
from .routes import Answer, Call, Handler, Route
from .throttled_log import ThrottledLog

if TYPE_CHECKING:
    from .sessions import SessionRunner

logger = log.logger.getChild("extensions")


class ServerExtension:
    """Base of what a plugin adds to a :class:`~.server.SessionServer`; every method does nothing here."""

    def routes(self) -> Iterable[Route]:
        """The routes to serve (asked once, when the extension is added)."""
        return ()

    def session_started(self, session: SessionRunner) -> None:
        """``session`` was admitted and starts running (its pipeline task has not run yet)."""

    def session_ended(self, session: SessionRunner) -> None:
        """``session`` is over: :attr:`~.sessions.SessionRunner.end_reason` says why."""

    def answered(self, route: Route, call: Call, status: int, seconds: float) -> None:
        """A request to ``route`` was answered with ``status``, ``seconds`` after it was routed.

        Not called for a request the handler took over (a WebSocket upgrade).
        """


class ServerExtensions:
    """A server's extensions: each event goes to each of them, in the order they were added."""

    __slots__ = ("_all", "_errors")

    def __init__(self) -> None:
        self._all: list[ServerExtension] = []
        self._errors = ThrottledLog(logger)

    def add(self, extension: ServerExtension) -> None:
        """Tell ``extension`` the events from now on."""
        self._all.append(extension)

    def __iter__(self) -> Iterator[ServerExtension]:
        """The extensions, in the order they were added."""
        return iter(self._all)

    def session_started(self, session: SessionRunner) -> None:
        """Tell every extension that ``session`` starts."""
        self._each(lambda extension: extension.session_started(session))

    def session_ended(self, session: SessionRunner) -> None:
        """Tell every extension that ``session`` ended."""
        self._each(lambda extension: extension.session_ended(session))

    def watch(self, routes: Iterable[Route]) -> list[Route]:
        """``routes``, each with a handler whose answers the extensions hear (once: a route
        watched already is kept as it is)."""
        return [
            route
            if isinstance(route.handler, _Watched)
            else Route(route.methods, route.pattern, _Watched(self, route), cors=route.cors)
            for route in routes
        ]

    def answered(self, route: Route, call: Call, data: bytes, seconds: float) -> None:
        """Tell every extension that ``call`` was answered with the response ``data`` (status 0 if it has none)."""
        code = data[9:12]  # "HTTP/1.1 200 OK"
        status = int(code) if code.isdigit() else 0
        self._each(lambda extension: extension.answered(route, call, status, seconds))

    def _each(self, event: Callable[[ServerExtension], None]) -> None:
        for extension in self._all:
            try:
                event(extension)
            except Exception as exc:
                name = type(extension).__qualname__
                self._errors.warning(name, "server extension %s failed handling an event: %r", name, exc)


class _Watched:
    """A route's handler whose answers (a response, or one to come) go to :meth:`ServerExtensions.answered`."""

    __slots__ = ("_extensions", "_handler", "_route")

    def __init__(self, extensions: ServerExtensions, route: Route) -> None:
        self._extensions = extensions
        self._route = route
        self._handler: Handler = route.handler

    def __call__(self, call: Call) -> Answer:
        routed = time.perf_counter()
        answer = self._handler(call)
        if isinstance(answer, bytes):
            self._extensions.answered(self._route, call, answer, time.perf_counter() - routed)
            return answer
        return answer if answer is None else self._later(call, answer, routed)

    async def _later(self, call: Call, answer: Awaitable[bytes], routed: float) -> bytes:
        data = await answer
        self._extensions.answered(self._route, call, data, time.perf_counter() - routed)
        return data
