"""Spec §20 items 59–64 over a real socket, against the real server."""

from __future__ import annotations

import array
import json
import math
import time
import urllib.request

import anyio
import pytest
from rtvi_websocket.protobuf import PbAudioRawFrame, PbMessageFrame, decode_frame
from server_support import client, serving

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


def tone(seconds: float, rate: int = 16000) -> bytes:
    n = int(seconds * rate)
    return array.array("h", (int(12000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(n))).tobytes()


def post_start(port: int, body: bytes | None = b"{}") -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/start", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


async def test_59_60_every_frame_is_binary_protobuf_and_audio_is_24k_mono_paced():
    async with serving() as server, client(server) as bot:
        await bot.ready()
        await bot.send("send-text", {"content": "one two three four five six", "options": {"run_immediately": True}})
        first_audio = last_audio = 0.0
        while not any(m.get("type") == "bot-stopped-speaking" for m in bot.messages):
            await bot.receive()
            if bot.audio and not first_audio:
                first_audio = time.monotonic()
            last_audio = time.monotonic() if bot.audio else 0.0
    assert all(isinstance(data, bytes) for data in bot.raw)
    frames = [decode_frame(data) for data in bot.raw]
    assert all(isinstance(frame, (PbMessageFrame, PbAudioRawFrame)) for frame in frames)
    assert all(json.loads(f.data)["label"] == "rtvi-ai" for f in frames if isinstance(f, PbMessageFrame))
    audio = bot.audio
    assert {(a.sample_rate, a.num_channels) for a in audio} == {(24000, 1)}
    assert all(len(a.audio) % 2 == 0 and not a.audio.startswith(b"RIFF") for a in audio)
    assert {len(a.audio) for a in audio[:-1]} == {1920}  # 40 ms chunks
    seconds = sum(len(a.audio) for a in audio) / 48000
    wall = last_audio - first_audio
    print(f"audio {seconds:.2f} s delivered over {wall:.2f} s")
    # paced at playback speed: the last chunk may leave ahead by the client's buffer, no more
    assert wall >= seconds - 0.2


async def test_61_client_audio_is_microphone_audio():
    async with serving() as server, client(server) as bot:
        await bot.ready()
        pcm = tone(0.6) + b"\0" * 32000 * 1
        for i in range(0, len(pcm), 512):
            await bot.send_audio(pcm[i : i + 512])
        await bot.wait_for("user-started-speaking")
        await bot.wait_for("user-stopped-speaking")


async def test_62_audio_right_after_and_before_client_ready_is_tolerated():
    async with serving() as server:
        async with client(server) as bot:
            msg_id = await bot.send("client-ready", {"version": "2.1.0", "about": {}})
            for _ in range(20):
                await bot.send_audio(b"\0\0" * 256)
            await bot.wait_for("bot-ready", msg_id)
        async with client(server) as bot:
            for _ in range(20):
                await bot.send_audio(b"\0\0" * 256)
            await bot.ready()
            assert (await bot.request("ping", 1))["type"] == "server-response"
            assert not any(m.get("type") == "error" for m in bot.messages)


async def test_63_start_returns_only_ws_url_or_with_auth_a_string_token():
    async with serving() as server:
        for body in (b"{}", b'{"requestData": {"a": 1}}', None):
            status, answer = await anyio.to_thread.run_sync(post_start, server.port, body)
            assert (status, answer) == (200, {"wsUrl": f"ws://127.0.0.1:{server.port}/ws"})
    async with serving(auth=True) as server:
        status, answer = await anyio.to_thread.run_sync(post_start, server.port)
        assert status == 200 and set(answer) == {"wsUrl", "token"}
        assert isinstance(answer["token"], str) and answer["token"]


async def test_64_token_is_taken_from_the_query_and_checked():
    async with serving(auth=True) as server:
        _, answer = await anyio.to_thread.run_sync(post_start, server.port)
        token = answer["token"]
        async with client(server, query=f"?token={token}") as bot:
            await bot.ready()
        for query, reason in (
            ("", "a token is required"),
            (f"?token={token}", "token already used"),
            ("?token=abc.def", "malformed token"),
            ("?token=" + token[:-2] + "AA", "invalid token signature"),
        ):
            async with client(server, query=query) as bot:
                code, text = await bot.closed()
            assert code == 4003 and reason in text, (query, code, text)
