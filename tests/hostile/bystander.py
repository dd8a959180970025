"""A well-behaved session beside an attack: it must keep getting correct answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from rtvi_websocket.testing import RTVIClient
from server_support import client, healthy_session

from rtvi_core.server.server import SessionServer


class Bystander:
    """Counts the correct ping answers the second session got."""

    def __init__(self) -> None:
        self.answers = 0
        self._more = anyio.Event()

    async def answered_more(self, count: int = 3) -> None:
        """Wait until ``count`` more pings were answered (correctly) from now on."""
        target = self.answers + count
        with anyio.fail_after(20):
            while self.answers < target:
                await self._more.wait()

    def _answered(self) -> None:
        self.answers += 1
        self._more.set()
        self._more = anyio.Event()


#: Seconds between the bystander's pings: a lively client, well under the server's message
#: rate limit (200/s), so that a long attack cannot get the bystander closed for flooding.
PING_INTERVAL_SECS = 0.02


async def _ping_forever(other: RTVIClient, bystander: Bystander) -> None:
    n = 0
    while True:
        n += 1
        answer = await other.request("ping", {"n": n})
        assert answer["type"] == "server-response", answer
        assert answer["data"]["d"] == {"pong": {"n": n}}, answer
        other.messages.clear()
        bystander._answered()
        await anyio.sleep(PING_INTERVAL_SECS)


@asynccontextmanager
async def beside(server: SessionServer) -> AsyncIterator[Bystander]:
    """A second session pinging the bot for the whole block, then a fresh session after it.

    The block should call :meth:`Bystander.answered_more` once its attack is under way.
    """
    bystander = Bystander()
    async with client(server) as other:
        await other.ready()
        async with anyio.create_task_group() as group:
            group.start_soon(_ping_forever, other, bystander)
            await bystander.answered_more(1)
            yield bystander
            await bystander.answered_more()
            group.cancel_scope.cancel()
    await healthy_session(server)
