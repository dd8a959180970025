"""A WebRTC session driven by a stock-like aiortc client, signalling passed by hand (no HTTP)."""

from __future__ import annotations

import asyncio
import math
import struct

import pytest
from rtvi_webrtc.plugin import split_transport_config
from rtvi_webrtc.session import WebRTCSession
from rtvi_webrtc.signalling import decode_patch
from stock_peer import StockPeer

from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.serving import SessionFactory

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

BOT = """
[bot]
name = "webrtc-test-bot"

[transport]
use = "webrtc"

[vad]
use = "energy"

[llm]
use = "echo"

[tts]
use = "tone"
"""


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.fixture
def sessions() -> SessionFactory:
    manager = PluginManager(autoload=True, allow=["webrtc"])
    return SessionFactory(load_bot_text(BOT, registry=manager.registry), manager)


async def test_text_turn_with_bot_audio(sessions: SessionFactory) -> None:
    _, settings = split_transport_config(sessions.config.transport.config)
    session = WebRTCSession(
        sessions.create(),
        settings,
        client="127.0.0.1",
        max_messages_per_sec=50,
        idle_timeout_secs=300,
        host_addresses=("127.0.0.1",),
    )
    run = asyncio.get_running_loop().create_task(session.run())
    client = StockPeer()
    try:
        answer = await session.answer((await client.offer())["sdp"])
        await client.accept(answer)
        await session.add_candidates(decode_patch(__import__("json").dumps(client.patch()).encode()).candidates)
        await client.opened()
        client.send("client-ready", {"version": "2.1.0", "about": {"library": "test"}})
        ready = await client.wait_for("bot-ready")
        assert ready["data"]["version"]
        client.send("send-text", {"content": "tell me about tomatoes"})
        await client.wait_for("bot-stopped-speaking", timeout=15)
        await asyncio.sleep(0.3)
        assert rms(bytes(client.bot_audio)) > 100, len(client.bot_audio)
    finally:
        await client.close()
        await asyncio.wait_for(run, 45)
