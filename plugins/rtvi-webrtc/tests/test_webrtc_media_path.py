"""The media paths end to end with an aiortc client: the microphone through our receive path (RTCP
reports still flowing), the bot's voice encoded at 24 kHz on Opus's 48 kHz RTP clock."""

from __future__ import annotations

import math
import struct
from typing import Any

import anyio
import pytest
from rtvi_webrtc.peer import asking_for_fec
from stock_peer import PcmTrack, StockPeer
from test_webrtc_server_sessions import READY, connect, rms
from webrtc_support import serving, until_health

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


def tone(rate: int, secs: float) -> bytes:
    n = int(rate * secs)
    return struct.pack(f"<{n}h", *(int(12000 * math.sin(2 * math.pi * 300 * i / rate)) for i in range(n)))


async def test_microphone_in_at_16_khz_and_bot_voice_out_at_24_khz() -> None:
    bots: list[Any] = []
    keys = {"audio_in_sample_rate": 16000, "audio_out_sample_rate": 24000, "audio_in_reorder_ms": 60}
    async with serving(bots.append, **keys) as server:
        mic = PcmTrack()
        client = StockPeer(mic)
        try:
            await connect(server, client)
            assert "useinbandfec=1" in client.pc.remoteDescription.sdp  # the answer asks for Opus FEC
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            mic.play(tone(48000, 1.0))  # decoded by libopus at 16 kHz, straight into the VAD
            await client.wait_for("user-started-speaking", timeout=10)
            await client.wait_for("user-stopped-speaking", timeout=10)
            with anyio.fail_after(10):  # the server's receiver still sends RTCP receiver reports
                while not any(
                    s.type == "remote-inbound-rtp" for s in (await client.pc.getSenders()[0].getStats()).values()
                ):
                    await anyio.sleep(0.2)
            client.messages.clear()
            client.bot_pts.clear()
            client.send("send-text", {"content": "tell me about tomatoes"})
            await client.wait_for("bot-stopped-speaking", timeout=15)
            await anyio.sleep(0.3)
            assert rms(bytes(client.bot_audio)) > 300, "the bot's tone, encoded at 24 kHz, reached the client"
            assert bots[0].transport.link.audio_out.encode_rate == 24000
            steps = {b - a for a, b in zip(client.bot_pts, client.bot_pts[1:])}
            assert steps == {960}, "RTP timestamps advance 960 (20 ms at 48 kHz) a packet, speech or silence"
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)


def test_the_answer_asks_for_opus_fec_unless_it_has_opus_parameters() -> None:
    sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
    asked = asking_for_fec(sdp)
    assert asked.splitlines()[3] == "a=fmtp:111 useinbandfec=1" and asked.count("a=fmtp") == 1
    kept = sdp + "a=fmtp:111 minptime=10\r\n"
    assert asking_for_fec(kept) == kept
