"""Reading from the socket: messages longer than one read (the server reads every
connection into one shared buffer) arrive whole, and sessions' bytes never mix."""

from __future__ import annotations

import anyio
import pytest
from server_support import client, serving

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


async def test_long_messages_from_several_sessions_at_once_arrive_whole():
    sizes = {"a": 200_000, "b": 150_001, "c": 70_000}  # all longer than the 64 KiB read buffer
    replies: dict[str, object] = {}
    async with serving() as server:

        async def session(name: str) -> None:
            async with client(server) as bot:
                await bot.ready()
                payload = {"text": name * sizes[name]}
                for _ in range(3):
                    reply = await bot.request("ping", payload)
                    assert reply["type"] == "server-response"
                    assert reply["data"]["d"] == {"pong": payload}
                replies[name] = reply["data"]["d"]["pong"]["text"]

        async with anyio.create_task_group() as group:
            for name in sizes:
                group.start_soon(session, name)
    assert {name: len(text) for name, text in replies.items()} == sizes
