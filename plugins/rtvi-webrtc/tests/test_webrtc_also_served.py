"""A websocket bot that also serves WebRTC (``[transport] also_serve``): one server, one
``/start``, the client picks the transport (the playground's switch)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from rtvi_webrtc.transport import WebRTCTransport
from stock_peer import StockPeer
from webrtc_support import health, http, until_health

from rtvi_core.config.loader import BotFileError, load_bot_text
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.server.server import SessionServer
from rtvi_core.server.testing import loopback_server
from rtvi_core.serving import SessionFactory

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]
pytest.importorskip("rtvi_websocket", reason="the bot file's transport here is rtvi-websocket's")

READY = {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js", "library_version": "1.13.1"}}

BOT = """\
[bot]
name = "both-transports-bot"

[transport]
use = "websocket"
max_sessions = {max_sessions}
also_serve = [{{use = "webrtc", ice_host_addresses = "loopback"}}]

[vad]
use = "energy"

[llm]
use = "echo"

[tts]
use = "tone"
"""


class Recorded(SessionFactory):
    """Keeps the transport of each session it builds."""

    def __init__(self, config: Any, manager: PluginManager) -> None:
        super().__init__(config, manager)
        self.transports: list[object] = []

    def create(self, transport: str | None = None) -> object:
        session = super().create(transport)
        self.transports.append(session.transport)
        return session


@asynccontextmanager
async def serving(max_sessions: int = 5) -> AsyncIterator[tuple[SessionServer, Recorded]]:
    manager = PluginManager(autoload=True, allow=["webrtc", "websocket"])
    config = load_bot_text(BOT.format(max_sessions=max_sessions), file="both.toml", registry=manager.registry)
    sessions = Recorded(config, manager)
    async with loopback_server(sessions) as server:
        yield server, sessions


async def connect_webrtc(server: SessionServer, client: StockPeer) -> None:
    status, _, started = await http(server, "POST", "/start", {"transport": "webrtc"})
    assert status == 200, started
    path = f"/sessions/{started['sessionId']}/api/offer"
    status, _, answer = await http(server, "POST", path, await client.offer(trickle=False))
    assert status == 200, answer
    await client.accept(answer)
    await client.opened()


async def test_start_answers_for_the_transport_the_client_names() -> None:
    async with serving() as (server, sessions):
        assert (await health(server))["transports"] == ["websocket", "webrtc"]
        status, _, body = await http(server, "POST", "/start", {})
        assert status == 200 and body["wsUrl"] == f"ws://127.0.0.1:{server.port}/ws"  # the bot file's own
        status, _, body = await http(server, "POST", "/start", {"transport": "websocket"})
        assert status == 200 and "wsUrl" in body
        status, _, body = await http(server, "POST", "/start", {"transport": "sip"})
        assert status == 400 and body["info"] == "transport 'sip' is not served here (served: websocket, webrtc)"
        status, _, page = await http(server, "GET", "/")
        assert status == 200 and b"RTVI playground" in page  # the websocket transport's page stays at /
        client = StockPeer()
        try:
            await connect_webrtc(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            client.send("send-text", {"content": "tell me about tomatoes"})
            await client.wait_for("bot-stopped-speaking", timeout=15)
            assert (await health(server))["peer_connections"] == 1
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)
        assert [type(transport) for transport in sessions.transports] == [WebRTCTransport]


async def test_the_bot_files_limits_hold_across_transports() -> None:
    async with serving(max_sessions=1) as (server, _):
        client = StockPeer()
        try:
            await connect_webrtc(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            status, headers, body = await http(server, "POST", "/start", {})  # websocket: the one slot is taken
            assert (status, headers["retry-after"]) == (503, "5"), body
            assert body["info"] == "the server is full (1 sessions): try again later"
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)
        with anyio.fail_after(5):
            status, _, body = await http(server, "POST", "/start", {"transport": "webrtc"})
        assert status == 200 and "sessionId" in body


def test_also_serve_mistakes_are_named_each() -> None:
    manager = PluginManager(autoload=True, allow=["webrtc", "websocket"])
    text = """\
[transport]
use = "websocket"
also_serve = ["websocket", "memory", "webrtx", {use = "webrtc", max_sessions = 5}, 3, {ice_host_addresses = "loopback"}]

[llm]
use = "echo"
"""
    with pytest.raises(BotFileError) as caught:
        load_bot_text(text, file="bad.toml", registry=manager.registry)
    assert [f"{issue.path}: {issue.message}" for issue in caught.value.issues] == [
        "transport.also_serve[0]: transport 'websocket' is served already (listed twice, or the bot file's own transport)",
        "transport.also_serve[1].use: transport 'memory' serves no clients, so it cannot be served beside 'websocket'",
        "transport.also_serve[2].use: unknown transport plugin 'webrtx'; did you mean 'webrtc'? (installed: memory, webrtc, websocket)",
        "transport.also_serve[3].max_sessions: 'max_sessions' applies to every served transport: set it in [transport]",
        'transport.also_serve[4]: expected a transport name or a table {use = "name", ...}, got 3',
        "transport.also_serve[5].use: missing required key (the transport plugin to use; installed: memory, webrtc, websocket)",
    ]
    console = text.replace('use = "websocket"', 'use = "memory"', 1)
    with pytest.raises(BotFileError) as caught:
        load_bot_text(console, file="bad.toml", registry=manager.registry)
    assert [issue.message for issue in caught.value.issues] == [
        "transport 'memory' serves no clients: also_serve needs a served transport"
    ]
