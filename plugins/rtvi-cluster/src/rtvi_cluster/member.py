"""``RedisCluster``: a session server's membership of a Redis-coordinated cluster (``[cluster] use = "redis"``).

Joining writes the worker's hash (its public URL, bot, version, ``max_sessions``) and
starts a heartbeat that renews it every third of ``heartbeat_ttl_secs``; every change
(a session claimed, started or ended, the drain) is published at once. If Redis goes
away the sessions go on; the heartbeat retries with a bounded backoff (at most
``heartbeat_ttl_secs`` apart), logs the loss (and the return) once a minute at most, and registers the
worker again when Redis is back. :meth:`RedisCluster.leave` deletes the worker's keys.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core import __version__ as core_version
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.server.cluster import ClusterUnavailable
from rtvi_core.server.hosts import is_ip_literal
from rtvi_core.server.throttled_log import ThrottledLog
from rtvi_core.server.tokens import Token, TokenSigner

from .dispatch import Dispatcher
from .log import logger
from .store import UNREACHABLE, ClusterStore, WorkerState

if TYPE_CHECKING:
    from rtvi_core.server.frontend import StartRequest
    from rtvi_core.server.http import Request
    from rtvi_core.server.server import SessionServer

logger = logger.getChild("worker")

#: Seconds :meth:`RedisCluster.leave` waits for Redis.
LEAVE_TIMEOUT_SECS = 2.0


def new_worker_id() -> str:
    """A worker id unique in the cluster: the host name, the process id and a random suffix."""
    host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())[:60] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


def public_base(server: SessionServer) -> str:
    """The base URL clients reach ``server`` at: ``[transport] public_url``, else its listen address."""
    if server.settings.public_url:
        return server.settings.public_url.rstrip("/")
    host = server.host
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    elif ":" in host and is_ip_literal(host):
        host = f"[{host}]"
    return f"http://{host}:{server.port}"


class RedisCluster(Component):
    """Joins the cluster ``name`` in the Redis at ``redis_url`` as one worker."""

    PLUGIN_NAME = "redis"
    DESCRIPTION = "A worker of a cluster coordinated through Redis (rtvi gateway dispatches to it)"
    #: ``/start`` hands out a worker's ``wsUrl``: WebSocket sessions only.
    TRANSPORTS: ClassVar[tuple[str, ...]] = ("websocket",)
    Config = LazyConfig("rtvi_cluster.plugin:RedisClusterConfig")

    def __init__(
        self,
        *,
        redis_url: str,
        secret: str,
        name: str = "default",
        heartbeat_ttl_secs: float = 5.0,
        token_ttl_secs: float = 30.0,
        redis_timeout_secs: float = 2.0,
    ) -> None:
        self.worker_id = new_worker_id()
        self.store = ClusterStore(redis_url, name, timeout_secs=redis_timeout_secs)
        self.tokens = TokenSigner(secret, token_ttl_secs, worker=self.worker_id)
        self.dispatcher = Dispatcher(self.store, self.tokens)
        self.heartbeat_ttl_secs = heartbeat_ttl_secs
        self._server: SessionServer | None = None
        self._sessions = 0
        self._draining = False
        self._claimed: dict[str, int] = {}  # reservation id -> its token's expiry (unix seconds)
        self._changed = asyncio.Event()
        self._heartbeat: asyncio.Task[None] | None = None
        self._reachable = False
        self._redis_log = ThrottledLog(logger)

    # -- ClusterMember ----------------------------------------------------------------------

    async def join(self, server: SessionServer) -> None:
        self._server = server
        try:
            await self._publish()
        except UNREACHABLE as exc:
            await self.store.close()
            raise ClusterUnavailable(f"Redis at {self.store.shown_url} is unreachable: {exc}") from None
        self._reachable = True
        logger.info(
            "worker %s joined cluster %r (Redis %s) as %s",
            self.worker_id,
            self.store.keys.name,
            self.store.shown_url,
            public_base(server),
        )
        self._heartbeat = asyncio.get_running_loop().create_task(self._keep_registered(), name="cluster heartbeat")

    async def start(self, start: StartRequest, request: Request) -> dict[str, Any]:
        bot = self._server.sessions.config.model.bot.name if self._server is not None else ""
        return await self.dispatcher.start(start, bot)

    def claimed(self, token: Token) -> None:
        self._claimed[token.nonce] = token.expiry
        self._changed.set()

    def sessions_changed(self, count: int) -> None:
        self._sessions = count
        self._changed.set()

    def drain(self) -> None:
        self._draining = True
        self._changed.set()

    async def leave(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            try:
                await self._heartbeat
            except asyncio.CancelledError:
                pass
            self._heartbeat = None
        try:
            await asyncio.wait_for(self.store.remove(self.worker_id), LEAVE_TIMEOUT_SECS)
            logger.info("worker %s left cluster %r", self.worker_id, self.store.keys.name)
        except UNREACHABLE as exc:
            logger.warning(
                "worker %s could not leave cluster %r cleanly (Redis %s: %s): its keys expire in %.0f s",
                self.worker_id,
                self.store.keys.name,
                self.store.shown_url,
                exc,
                self.heartbeat_ttl_secs,
            )
        await self.store.close()

    def health(self) -> dict[str, Any]:
        return {
            "name": self.store.keys.name,
            "worker": self.worker_id,
            "redis": "ok" if self._reachable else "unreachable",
            "draining": self._draining,
        }

    # -- the heartbeat ------------------------------------------------------------------------

    @property
    def _interval(self) -> float:
        return self.heartbeat_ttl_secs / 3

    def _state(self) -> WorkerState:
        server = self._server
        assert server is not None
        return WorkerState(
            worker_id=self.worker_id,
            url=public_base(server),
            bot=server.sessions.config.model.bot.name,
            version=core_version,
            max_sessions=server.settings.max_sessions,
            sessions=self._sessions,
            draining=self._draining,
        )

    async def _publish(self) -> None:
        """Publish the state, and drop the reservations claimed since (those expired meanwhile are gone anyway)."""
        now = time.time()
        self._claimed = {nonce: expiry for nonce, expiry in self._claimed.items() if expiry >= now}
        claimed = list(self._claimed)
        await self.store.publish(self._state(), int(self.heartbeat_ttl_secs * 1000), claimed)
        for nonce in claimed:
            self._claimed.pop(nonce, None)

    async def _keep_registered(self) -> None:
        """Publish at every change and every :attr:`_interval`; back off (bounded) while Redis is away."""
        failures = 0
        while True:
            self._changed.clear()
            try:
                await self._publish()
            except Exception as exc:  # Redis unreachable or failing: the sessions go on, retry later
                failures += 1
                self._reachable = False
                self._redis_log.warning(
                    "lost",
                    "lost the cluster's Redis at %s (%r): running sessions go on, /start answers 503; retrying",
                    self.store.shown_url,
                    exc,
                )
                await asyncio.sleep(min(self._interval * 2 ** min(failures, 8), self.heartbeat_ttl_secs))
                continue
            if failures:
                self._redis_log.warning(
                    "back",
                    "the cluster's Redis at %s is back: worker %s registered again",
                    self.store.shown_url,
                    self.worker_id,
                )
                failures = 0
            self._reachable = True
            try:
                await asyncio.wait_for(self._changed.wait(), self._interval)
            except TimeoutError:
                pass
