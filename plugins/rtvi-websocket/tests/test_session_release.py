"""An ended session is freed by reference counting, without the cyclic garbage collector.

A session's objects used to form reference cycles (processors linked both ways, handlers
closing over the task, the dispatcher and its session, the RTVI observer's routes):
each ended session then waited for a full collection, which a busy server runs late and
in one pause. Here the collector is off while sessions run and end.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import pytest
from rtvi_websocket.testing import RTVIClient
from server_support import client, serving, sessions_ended

from rtvi_core.server.server import SessionServer

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def watch_sessions(server: SessionServer) -> list[weakref.ref[Any]]:
    """Weak references to each new session's BotSession, task, RTVI processor, LLM, context and dispatcher.

    (Not its transport: the transport and its two processors still refer to each other.)
    """
    refs: list[weakref.ref[Any]] = []
    create = server.sessions.create

    def create_and_watch(transport: str | None = None) -> Any:
        bot = create(transport)
        refs.extend(weakref.ref(obj) for obj in (bot, bot.task, bot.task.rtvi, bot.llm, bot.context, bot.dispatcher))
        return bot

    server.sessions.create = create_and_watch  # type: ignore[method-assign]
    return refs


async def gone(refs: list[weakref.ref[Any]]) -> list[str]:
    """The watched objects still alive once the last cleanups had a moment."""
    for _ in range(50):
        alive = [type(ref()).__name__ for ref in refs if ref() is not None]
        if not alive:
            return []
        await anyio.sleep(0.02)
    return alive


async def alive_after(talk: Callable[[RTVIClient], Awaitable[None]]) -> list[str]:
    """Serve the test bot, run one session doing ``talk`` then leaving; what of it is still alive."""
    async with serving() as server:
        refs = watch_sessions(server)
        async with client(server) as bot:
            await bot.ready()
            await talk(bot)
        await sessions_ended(server)
        assert refs
        return await gone(refs)


async def ping_and_hear_an_answer(bot: RTVIClient) -> None:
    assert (await bot.request("ping", 1))["type"] == "server-response"
    await bot.send("send-text", {"content": "hello there"})
    await bot.wait_for("bot-stopped-speaking", timeout=15)


async def vanish_while_the_bot_speaks(bot: RTVIClient) -> None:
    await bot.send("send-text", {"content": "a long answer " * 5})
    await bot.wait_for("bot-started-speaking", timeout=15)
    bot.ws.transport.abort()  # no close handshake


@pytest.mark.usefixtures("no_cyclic_gc")
@pytest.mark.parametrize("talk", [ping_and_hear_an_answer, vanish_while_the_bot_speaks])
async def test_an_ended_session_is_freed_without_the_cyclic_gc(talk):
    assert await alive_after(talk) == []
