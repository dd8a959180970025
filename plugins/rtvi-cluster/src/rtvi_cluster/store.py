"""``ClusterStore``: the cluster's state in Redis, as the workers and gateways use it.

One asyncio Redis client per process (a connection pool), with short timeouts and no
retries of its own: a call fails fast with :class:`~redis.exceptions.RedisError` (or
:class:`OSError`) while Redis is away, and the caller decides (a 503, a later heartbeat).
The data model is in :mod:`.keys`; the atomic steps are the scripts of :mod:`.scripts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .keys import ClusterKeys, check_name
from .scripts import OVERVIEW, RESERVE

#: What a Redis URL may start with.
SCHEMES = ("redis", "rediss", "unix")
#: The errors a Redis call raises when Redis cannot be reached or fails.
UNREACHABLE: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)


def check_redis_url(url: str) -> str:
    """``url`` if it can name a Redis server, else ValueError saying what is expected."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not (parts.hostname or parts.path):
        raise ValueError(f"cluster URL {url[:100]!r} must look like redis://HOST:6379/0 (or rediss://, unix://)")
    try:
        parts.port  # noqa: B018  # raises for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"cluster URL {url[:100]!r}: {exc}") from None
    return url


def shown_url(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True, slots=True)
class WorkerState:
    """What a worker publishes about itself at each heartbeat."""

    worker_id: str
    url: str
    bot: str
    version: str
    max_sessions: int
    sessions: int
    draining: bool

    def fields(self) -> dict[str, str | int]:
        """The worker hash's fields."""
        return {
            "url": self.url,
            "bot": self.bot,
            "version": self.version,
            "max_sessions": self.max_sessions,
            "sessions": self.sessions,
            "draining": int(self.draining),
        }


@dataclass(frozen=True, slots=True)
class Reservation:
    """The answer of :meth:`ClusterStore.reserve`: ``status`` "ok" with the worker, else why not."""

    status: str
    worker_id: str = ""
    url: str = ""
    detail: str = ""
    bot: str = ""


class ClusterStore:
    """The cluster ``name`` in the Redis at ``url``."""

    def __init__(self, url: str, name: str = "default", *, timeout_secs: float = 2.0) -> None:
        self.url = check_redis_url(url)
        self.keys = ClusterKeys(check_name(name))
        self.redis: Redis = Redis.from_url(
            url,
            socket_connect_timeout=timeout_secs,
            socket_timeout=timeout_secs,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self._reserve = self.redis.register_script(RESERVE)
        self._overview = self.redis.register_script(OVERVIEW)

    @property
    def shown_url(self) -> str:
        """The Redis URL without its password."""
        return shown_url(self.url)

    async def ping(self) -> None:
        """Raise (see :data:`UNREACHABLE`) unless Redis answers."""
        await self.redis.ping()

    async def publish(self, state: WorkerState, ttl_ms: int, claimed: list[str]) -> None:
        """The heartbeat: ``state`` written, its hash's expiry renewed, ``claimed`` reservations dropped (atomically)."""
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.worker(state.worker_id), mapping=cast("dict[Any, Any]", state.fields()))
            pipe.pexpire(keys.worker(state.worker_id), ttl_ms)
            pipe.sadd(keys.workers, state.worker_id)
            if claimed:
                pipe.zrem(keys.reservations(state.worker_id), *claimed)
            await pipe.execute()

    async def remove(self, worker_id: str) -> None:
        """``worker_id`` leaves the cluster: its keys are deleted."""
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.srem(keys.workers, worker_id)
            pipe.delete(keys.worker(worker_id), keys.reservations(worker_id))
            await pipe.execute()

    async def reserve(self, bot: str, reservation_id: str, ttl_ms: int) -> Reservation:
        """Reserve a slot for ``reservation_id`` on the least-loaded worker of ``bot`` ("": the only bot)."""
        answer = await self._reserve(keys=[self.keys.workers], args=[self.keys.prefix, bot, reservation_id, ttl_ms])
        status = str(answer[0])
        if status == "ok":
            return Reservation(status, worker_id=str(answer[1]), url=str(answer[2]))
        return Reservation(
            status, detail=str(answer[1]) if len(answer) > 1 else "", bot=str(answer[2]) if len(answer) > 2 else ""
        )

    async def overview(self) -> list[dict[str, Any]]:
        """Every live worker: ``id``, ``url``, ``bot``, ``version``, ``max_sessions``, ``sessions``,
        ``draining``, ``reserved``."""
        rows = await self._overview(keys=[self.keys.workers], args=[self.keys.prefix])
        return [
            {
                "id": worker_id,
                "url": url,
                "bot": bot,
                "version": version,
                "max_sessions": int(max_sessions),
                "sessions": int(sessions),
                "draining": bool(int(draining)),
                "reserved": int(reserved),
            }
            for worker_id, url, bot, version, max_sessions, sessions, draining, reserved in rows
        ]

    async def close(self) -> None:
        """Close the connections."""
        await self.redis.aclose()
