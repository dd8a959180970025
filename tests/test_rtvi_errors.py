"""Conformance item 55: pipeline errors reach the client as RTVI ``error`` events."""

from __future__ import annotations

import anyio
import pytest

from rtvi_core import FrameProcessor, RTVIClientMessageFrame
from rtvi_core.testing import run_bot

pytestmark = pytest.mark.anyio


class Trouble(FrameProcessor):
    """Raises or reports errors when asked by a client-message."""

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, RTVIClientMessageFrame):
            if frame.type == "hiccup":
                await self.push_error("service hiccup")
            elif frame.type == "crash":
                raise RuntimeError("exploded")
            elif frame.type == "fatal":
                await self.push_error("service is gone", fatal=True)
        await self.push_frame(frame, direction)


async def test_item_55_non_fatal_error_and_session_continues():
    async with run_bot(extra=[Trouble()]) as bot:
        await bot.ready()
        await bot.request("client-message", {"t": "hiccup"})
        error = await bot.client.wait_for_message("error")
        assert error == {"label": "rtvi-ai", "type": "error", "data": {"error": "service hiccup", "fatal": False}}
        await bot.request("client-message", {"t": "crash"})
        crash = await bot.client.wait_for_message("error", predicate=lambda m: "exploded" in m["data"]["error"])
        assert crash["data"]["fatal"] is False
        await bot.request("send-text", {"content": "still there?"})
        await bot.client.wait_for_message("bot-llm-stopped")
        assert not bot.client.closed and not bot.task.has_finished()


async def test_item_55_fatal_error_ends_the_session():
    async with run_bot(extra=[Trouble()]) as bot:
        await bot.ready()
        await bot.request("client-message", {"t": "fatal"})
        error = await bot.client.wait_for_message("error")
        assert error["data"] == {"error": "service is gone", "fatal": True}
        await bot.client.wait_closed(timeout=5)
        with anyio.fail_after(5):
            while not bot.task.has_finished():
                await anyio.sleep(0.01)
