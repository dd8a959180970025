"""WebRTC sessions end to end on loopback: the stock client's signalling, RTVI on the data
channel, the microphone in and the bot's voice out, and every way a session ends."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import struct
from typing import Any

import anyio
import pytest
from stock_peer import PcmTrack, StockPeer
from webrtc_support import health, http, serving, until_health

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

READY = {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js", "library_version": "1.13.1"}}


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def tone(rate: int, secs: float, amplitude: int = 12000) -> bytes:
    n = int(rate * secs)
    return struct.pack(f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * 300 * i / rate)) for i in range(n)))


async def connect(server: Any, client: StockPeer, *, trickle: bool = True) -> str:
    """What ``startBotAndConnect`` does: /start, the offer, the answer, the candidates; the session id."""
    status, _, started = await http(server, "POST", "/start", {})
    assert status == 200, started
    session_id = started["sessionId"]
    path = f"/sessions/{session_id}/api/offer"
    status, _, answer = await http(server, "POST", path, await client.offer(trickle=trickle))
    assert status == 200, answer
    assert answer["type"] == "answer" and answer["pc_id"].startswith("rtvi-")
    await client.accept(answer)
    if trickle:
        status, _, patched = await http(server, "PATCH", path, client.patch())
        assert (status, patched) == (200, {"status": "success"})
    await client.opened()
    return str(session_id)


async def test_a_session_with_text_speech_and_bot_audio() -> None:
    async with serving() as server:
        mic = PcmTrack()
        client = StockPeer(mic)
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            ready = await client.wait_for("bot-ready")
            assert ready["data"]["version"] == "2.2.0"
            assert (await health(server))["peer_connections"] == 1
            client.send("send-text", {"content": "tell me about tomatoes"})
            await client.wait_for("bot-stopped-speaking", timeout=15)
            await anyio.sleep(0.3)
            assert rms(bytes(client.bot_audio)) > 300, "the bot's tone reached the client's track"
            client.messages.clear()
            mic.play(tone(48000, 1.0))  # the energy VAD hears the microphone through Opus and the resampler
            await client.wait_for("user-started-speaking", timeout=10)
            await client.wait_for("user-stopped-speaking", timeout=10)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)


def track_status(enabled: bool) -> str:
    """The stock client's ``trackStatus`` for its microphone (receiver 0)."""
    message = {"type": "trackStatus", "receiver_index": 0, "enabled": enabled}
    return json.dumps({"type": "signalling", "message": message})


async def test_a_muted_microphone_is_not_heard() -> None:
    async with serving() as server:
        mic = PcmTrack()
        client = StockPeer(mic)
        try:
            await connect(server, client)
            client.send_raw(track_status(False))  # what the stock client syncs when it connects muted
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            await client.wait_for("bot-stopped-speaking", timeout=15)  # the greeting
            client.messages.clear()
            mic.play(tone(48000, 1.0))  # the track still sends speech-loud audio
            with anyio.fail_after(10):
                while mic.queued:
                    await anyio.sleep(0.05)
            await anyio.sleep(1.0)  # the VAD would have started the turn by now
            assert "user-started-speaking" not in [m.get("type") for m in client.messages]
            client.send_raw(track_status(True))
            mic.play(tone(48000, 1.0))
            await client.wait_for("user-started-speaking", timeout=10)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)


async def test_waiting_for_ice_gathering_puts_every_candidate_in_the_offer() -> None:
    async with serving() as server:  # what Pipecat's prebuilt UI does (waitForICEGathering: true)
        client = StockPeer()
        try:
            await connect(server, client, trickle=False)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)


async def test_the_bot_ending_tells_the_client_and_closes_the_peer() -> None:
    async with serving() as server:
        client = StockPeer()
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            client.send("disconnect-bot")
            with anyio.fail_after(10):
                while {"type": "signalling", "message": {"type": "peerLeft"}} not in client.messages:
                    await anyio.sleep(0.05)
            await until_health(server, sessions=0, peer_connections=0)
        finally:
            await client.close()


async def test_restart_pc_replaces_the_peer_and_keeps_the_session() -> None:
    async with serving() as server:
        first = StockPeer()
        session_id = await connect(server, first)
        first.send("client-ready", READY)
        await first.wait_for("bot-ready")
        old_pc_id = first.pc_id
        first.pinging = False  # its network broke: no close reaches the server
        second = StockPeer()  # the client's attemptReconnection(true): a new RTCPeerConnection, the old pc_id
        second.pc_id = old_pc_id
        try:
            path = f"/sessions/{session_id}/api/offer"
            status, _, answer = await http(server, "POST", path, await second.offer(trickle=False, restart=True))
            assert status == 200, answer
            assert answer["pc_id"] != old_pc_id
            await second.accept(answer)
            await second.opened()
            second.send("send-text", {"content": "still there?"})
            await second.wait_for("bot-started-speaking", timeout=15)
            now = await health(server)
            assert (now["sessions"], now["peer_connections"]) == (1, 1)
            status, _, body = await http(server, "PATCH", path, {"pc_id": old_pc_id, "candidates": []})
            assert status == 404 and "unknown pc_id" in body["info"]
        finally:
            await second.close()
            await first.close()
        await until_health(server, sessions=0, peer_connections=0)


async def test_renegotiation_on_the_same_pc_id_answers_again() -> None:
    async with serving() as server:
        client = StockPeer()
        try:
            session_id = await connect(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            status, _, answer = await http(
                server, "POST", f"/sessions/{session_id}/api/offer", await client.offer(trickle=False)
            )
            assert status == 200 and answer["pc_id"] == client.pc_id, answer
            await client.accept(answer)
            client.send("send-text", {"content": "after renegotiation"})
            await client.wait_for("bot-started-speaking", timeout=15)
        finally:
            await client.close()


async def test_a_peer_that_never_connects_is_closed_after_connect_timeout(caplog: pytest.LogCaptureFixture) -> None:
    async with serving(connect_timeout_secs=1) as server:
        client = StockPeer()
        try:
            _, _, started = await http(server, "POST", "/start", {})
            status, _, _ = await http(
                server, "POST", f"/sessions/{started['sessionId']}/api/offer", await client.offer()
            )
            assert status == 200
            assert (await health(server))["peer_connections"] == 1
            # the answer is never applied and no candidate is sent: ICE cannot even start
            await until_health(server, timeout=10, sessions=0, peer_connections=0)
        finally:
            await client.close()
    assert "ICE/DTLS did not complete in 1 s" in caplog.text


async def test_a_client_that_goes_silent_is_ended_after_peer_timeout(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "rtvi.webrtc")
    async with serving(peer_timeout_secs=1.5) as server:
        client = StockPeer()
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            client.pinging = False  # the tab froze or the network dropped: nothing on the channel
            await until_health(server, timeout=10, sessions=0, peer_connections=0)
        finally:
            await client.close()
    assert "nothing from the client for 1.5 s" in caplog.text


async def test_a_client_that_closes_its_peer_connection_ends_its_session() -> None:
    async with serving() as server:
        client = StockPeer()
        await connect(server, client)
        client.send("client-ready", READY)
        await client.wait_for("bot-ready")
        await client.close()  # DTLS close: aiortc sees the connection closed
        await until_health(server, timeout=15, sessions=0, peer_connections=0)


async def test_drain_tells_every_client_peer_left() -> None:
    async with serving(drain_timeout_secs=0) as server:
        clients = [StockPeer(), StockPeer()]
        try:
            for client in clients:
                await connect(server, client)
                client.send("client-ready", READY)
                await client.wait_for("bot-ready")
            server.drain()
            status, _, body = await http(server, "POST", "/start", {})
            assert status == 503, body
            for client in clients:
                with anyio.fail_after(10):
                    while {"type": "signalling", "message": {"type": "peerLeft"}} not in client.messages:
                        await asyncio.sleep(0.05)
        finally:
            for client in clients:
                await client.close()
