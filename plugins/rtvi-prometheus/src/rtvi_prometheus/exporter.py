"""``MetricsExporter``: ``GET /metrics`` on a session server, and the server's events counted.

``GET /metrics`` (and ``HEAD``) answers the server's :class:`~.metrics.ServerMetrics` in
the Prometheus text format; another method gets 405. With ``[metrics] token`` set, a
request without ``Authorization: Bearer <token>`` gets 401 (compared in constant time).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from rtvi_core.server.extensions import ServerExtension
from rtvi_core.server.http import error_response, response
from rtvi_core.server.routes import Call, Route

from .labels import SESSION_FAILED, start_outcome
from .metrics import ServerMetrics
from .observer import VoiceMetricsObserver

if TYPE_CHECKING:
    from rtvi_core.server.server import SessionServer
    from rtvi_core.server.sessions import SessionRunner

#: Where the metrics are served.
PATH = "/metrics"
_START = "/start"


class MetricsExporter(ServerExtension):
    """Counts ``server``'s sessions, ``/start`` answers and errors, times its sessions' voice
    stages, and serves them at ``/metrics`` (behind ``token`` when set)."""

    def __init__(self, server: SessionServer, *, token: str | None = None) -> None:
        self.server = server
        self.metrics = ServerMetrics(
            server.sessions.config.model.bot.name,
            active=lambda: server.session_count,
            capacity=lambda: server.settings.max_sessions,
        )
        self._token = token.encode() if token is not None else None

    def routes(self) -> Iterable[Route]:
        return [Route(("GET", "HEAD"), PATH, self._scrape)]

    def session_started(self, session: SessionRunner) -> None:
        metrics = self.metrics
        metrics.sessions_started.labels(metrics.bot, _transport(session)).inc()
        session.bot.task.add_observer(VoiceMetricsObserver(metrics))

    def session_ended(self, session: SessionRunner) -> None:
        metrics, reason = self.metrics, session.end_reason or "normal"
        metrics.sessions_ended.labels(metrics.bot, _transport(session), reason).inc()
        if reason == "failed":
            metrics.errors.labels(metrics.bot, SESSION_FAILED).inc()

    def answered(self, route: Route, call: Call, status: int, seconds: float) -> None:
        if route.pattern == _START:
            metrics = self.metrics
            metrics.start_requests.labels(metrics.bot, start_outcome(status, call.server.draining)).inc()
            metrics.dispatch_seconds.observe(seconds)

    def _scrape(self, call: Call) -> bytes:
        if self._token is not None:
            scheme, _, given = (call.request.headers.get("authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self._token):
                return error_response(
                    401,
                    "GET /metrics needs [metrics] token as 'Authorization: Bearer <token>'",
                    {"WWW-Authenticate": 'Bearer realm="rtvi-metrics"'},
                )
        return response(200, generate_latest(self.metrics.registry), CONTENT_TYPE_LATEST)


def _transport(session: SessionRunner) -> str:
    """The plugin name of the transport that served ``session`` (``websocket``)."""
    return str(getattr(session.bot.transport, "PLUGIN_NAME", "unknown"))
