"""A cluster of real processes for the tests: workers (``rtvi run --cluster``), gateways (``rtvi gateway``).

The workers serve a small bot (the echo LLM, the tone TTS: no models) on the websocket
transport; :func:`rtvi_session` is a protobuf RTVI client of one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
from redis_support import RedisServer
from rtvi_websocket.testing import RTVIClient as ProtobufClient
from websockets.asyncio.client import connect

from rtvi_core.testing.served import ServedBot, served_bot

SECRET = "the-cluster-test-secret-0123456789"
ENV = {"RTVI_CLUSTER_SECRET": SECRET}
CLUSTER = "test"
#: Seconds a waited-for condition may take (processes on a busy 2-core machine).
DEADLINE_SECS = 30.0

BOT = """\
[bot]
name = "{name}"
speak_first = false

[transport]
use = "websocket"
max_sessions = {max_sessions}
start_rate_limit = 0
drain_timeout_secs = {drain_timeout_secs}

[llm]
use = "echo"

[tts]
use = "tone"

[cluster]
name = "{cluster}"
secret = "${{env:RTVI_CLUSTER_SECRET}}"
heartbeat_ttl_secs = {heartbeat_ttl_secs}
"""


def bot_file(
    folder: Path,
    *,
    name: str = "echo",
    max_sessions: int = 10,
    drain_timeout_secs: float = 30,
    heartbeat_ttl_secs: float = 2,
) -> Path:
    """A worker's bot file in ``folder``."""
    path = folder / f"{name}-{max_sessions}-{heartbeat_ttl_secs}.toml"
    path.write_text(
        BOT.format(
            name=name,
            max_sessions=max_sessions,
            drain_timeout_secs=drain_timeout_secs,
            cluster=CLUSTER,
            heartbeat_ttl_secs=heartbeat_ttl_secs,
        )
    )
    return path


@dataclass
class Cluster:
    """Running workers and gateways of one cluster."""

    redis: RedisServer
    workers: list[ServedBot]
    gateways: list[ServedBot]
    stack: ExitStack = field(repr=False)

    def worker_of(self, ws_url: str) -> int:
        """The index of the worker a ``wsUrl`` points to."""
        port = int(re.search(r":(\d+)/ws$", ws_url).group(1))  # type: ignore[union-attr]
        return next(index for index, worker in enumerate(self.workers) if worker.port == port)

    def add_worker(self, bot: Path) -> ServedBot:
        worker = self.stack.enter_context(served_bot(str(bot), "--cluster", self.redis.url, env=ENV))
        self.workers.append(worker)
        return worker


@contextmanager
def running_cluster(
    redis: RedisServer, bot: Path, *, workers: int = 3, gateways: int = 2, token_ttl_secs: float = 600
) -> Iterator[Cluster]:
    """``workers`` workers of ``bot`` and ``gateways`` gateways on ``redis``, until the block ends.

    The gateways' tokens (and slots) last ``token_ttl_secs``: long by default, so no reservation
    expires while a test counts them, however slow the machine.
    """
    with ExitStack() as stack:
        cluster = Cluster(redis, [], [], stack)
        for _ in range(workers):
            cluster.add_worker(bot)
        for _ in range(gateways):
            args = (
                "--cluster",
                redis.url,
                "--name",
                CLUSTER,
                "--start-rate-limit",
                "0",
                "--token-ttl",
                str(token_ttl_secs),
            )
            cluster.gateways.append(stack.enter_context(served_bot(*args, env=ENV, command="gateway")))
        yield cluster


async def post_start(http: httpx.AsyncClient, server: ServedBot, body: Any = None) -> httpx.Response:
    """``POST /start`` on ``server`` (``body``: JSON, or raw bytes)."""
    content = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    return await http.post(f"{server.url}start", content=content)


async def health(http: httpx.AsyncClient, server: ServedBot) -> dict[str, Any]:
    answer: dict[str, Any] = (await http.get(f"{server.url}health")).json()
    return answer


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = DEADLINE_SECS) -> None:
    """Wait until ``check()`` is true; fail naming ``what`` after ``timeout``."""
    with anyio.move_on_after(timeout):
        while not await check():
            await anyio.sleep(0.05)
        return
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


class RTVIClient(ProtobufClient):
    """The websocket plugin's test client, whose ``wait_for`` takes the message it returns
    (so a turn waits for its own ``bot-stopped-speaking``)."""

    async def wait_for(
        self, msg_type: str, msg_id: str | None = None, timeout: float = DEADLINE_SECS
    ) -> dict[str, Any]:
        message = await super().wait_for(msg_type, msg_id, timeout)
        self.messages.remove(message)
        return message

    async def echo(self, text: str) -> str:
        """Say ``text``; the echo bot's reply, once it has spoken it."""
        await self.send("send-text", {"content": text, "options": {"run_immediately": True}})
        await self.wait_for("bot-stopped-speaking")
        said = [message["data"]["text"] for message in self.messages if message["type"] == "bot-llm-text"]
        self.messages.clear()
        return "".join(said)


@asynccontextmanager
async def rtvi_session(ws_url: str, token: str) -> AsyncIterator[RTVIClient]:
    """A WebSocket to ``ws_url`` with ``?token=``."""
    async with connect(f"{ws_url}?token={token}", max_size=None) as ws:
        yield RTVIClient(ws)
