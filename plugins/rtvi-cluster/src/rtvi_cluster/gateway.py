"""``Gateway``: the cluster's entry point (``rtvi gateway``) — ``/start`` dispatch, ``/health``, ``/metrics``.

It holds no sessions and no state of its own: every gateway of a cluster answers the
same from Redis, so there may be as many as the traffic needs. It is an
:class:`~rtvi_core.server.site.HttpSite`, like the workers' session server: the same
HTTP front, ``Host``/``Origin`` rules, CORS and ``/start`` guard (rate and API key).

* ``POST /start`` (optional JSON body ``{"bot": name}``; the cluster's only bot when
  none): a slot reserved on the least-loaded worker of the bot (:mod:`.dispatch`),
  answered with its ``{"wsUrl", "token"}``; 503 with ``Retry-After`` when the cluster is
  full or Redis is unreachable, 404 for a bot no worker serves.
* ``GET /health``: :func:`~.health.cluster_health` (503 when Redis is unreachable).
* ``GET /metrics``: :class:`~.metrics.GatewayMetrics`.

SIGTERM/SIGINT stop it at once (it has nothing to drain).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeAlias

from rtvi_core.server.cluster import ClusterUnavailable
from rtvi_core.server.frontend import parse_start_body
from rtvi_core.server.http import HttpError, error_response, json_response, response
from rtvi_core.server.limits import ServerSettings
from rtvi_core.server.routes import SiteCall, SiteRoute
from rtvi_core.server.site import HttpSite, shutdown_signals
from rtvi_core.server.start_guard import StartGuard
from rtvi_core.server.tokens import TokenSigner

from .dispatch import Dispatcher, DispatchRefused
from .health import cluster_health
from .log import logger
from .metrics import OUTCOMES_BY_STATUS, GatewayMetrics
from .store import UNREACHABLE, ClusterStore

logger = logger.getChild("gateway")

GatewayCall: TypeAlias = SiteCall["Gateway"]


class Gateway(HttpSite):
    """Dispatches ``/start`` to the workers of the cluster in ``store``, with tokens signed by ``signer``."""

    def __init__(
        self, store: ClusterStore, signer: TokenSigner, settings: ServerSettings, *, host: str, port: int
    ) -> None:
        super().__init__(settings, host=host, port=port, logger=logger)
        self.store = store
        self.dispatcher = Dispatcher(store, signer)
        self.metrics = GatewayMetrics()
        self.start_guard = StartGuard(
            api_key=settings.start_api_key, rate=settings.start_rate_limit, burst=settings.start_rate_burst
        )
        self.routes = [
            SiteRoute(("POST",), "/start", self._start, cors=True),
            SiteRoute(("GET", "HEAD"), "/health", self._health),
            SiteRoute(("GET", "HEAD"), "/metrics", self._metrics),
        ]

    async def serve(
        self, *, on_listening: Callable[[str, int], None] | None = None, handle_signals: bool = True
    ) -> None:
        """Check Redis (:class:`ClusterUnavailable` if it does not answer), listen, serve until SIGTERM/SIGINT."""
        try:
            await self.store.ping()
        except UNREACHABLE as exc:
            await self.store.close()
            raise ClusterUnavailable(f"Redis at {self.store.shown_url} is unreachable: {exc}") from None
        stopped = asyncio.Event()
        try:
            host, port = await self.listen()
        except OSError:
            await self.store.close()
            raise
        logger.info("gateway of cluster %r listening on http://%s:%d", self.store.keys.name, host, port)
        if on_listening is not None:
            on_listening(host, port)
        try:
            with shutdown_signals(stopped.set, enabled=handle_signals):
                await stopped.wait()
        finally:
            self.close()
            await self.store.close()

    async def _start(self, call: GatewayCall) -> bytes:
        started = time.perf_counter()
        cors = dict(call.cors)
        request = call.request
        try:
            self.start_guard.check(
                call.connection.peer_ip, request.headers.get("authorization"), asyncio.get_running_loop().time()
            )
            answer = await self.dispatcher.start(parse_start_body(request.body))
        except HttpError as exc:
            outcome = exc.outcome if isinstance(exc, DispatchRefused) else OUTCOMES_BY_STATUS.get(exc.status, "error")
            self.metrics.observe(outcome, time.perf_counter() - started)
            logger.info("%s: POST /start refused: %d %s", call.connection.peer, exc.status, exc.message)
            return error_response(exc.status, exc.message, exc.headers | cors)
        self.metrics.observe("ok", time.perf_counter() - started)
        return json_response(200, answer, cors)

    async def _health(self, call: GatewayCall) -> bytes:
        name = self.store.keys.name
        try:
            workers = await self.store.overview()
        except UNREACHABLE as exc:
            info = f"the cluster's Redis ({self.store.shown_url}) is unreachable: {exc}"
            return json_response(503, {"status": "unavailable", "cluster": name, "info": info})
        return json_response(200, cluster_health(name, workers))

    def _metrics(self, call: GatewayCall) -> bytes:
        return response(200, self.metrics.exposition(), self.metrics.content_type)
