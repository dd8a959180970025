"""Bad input over a real socket: each has a defined outcome, and a second session stays healthy."""

from __future__ import annotations

import os
import socket

import anyio
import msgspec
import pytest
from rtvi_websocket.protobuf import encode_message
from server_support import client, healthy_session, serving, sessions_ended

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

BAD_FRAMES = {
    "text frame": ("hello", "a text payload (only binary protobuf frames are accepted)"),
    "random bytes": (bytes([0xFF, 0xFE, 0x07, 0x99, 0x13, 0x37]), "malformed protobuf"),
    "truncated protobuf": (encode_message(b'{"label":"rtvi-ai","type":"client-ready"}')[:-10], "malformed protobuf"),
    "unknown oneof field": (b"\x32\x03abc", "no field this server knows"),
    "JSON that is not an object": (encode_message(b"[1, 2, 3]"), "an RTVI message must be a JSON object"),
    "message that is not JSON": (encode_message(b"{nope"), "message data is not JSON"),
}


@pytest.mark.parametrize("name", list(BAD_FRAMES))
async def test_bad_frame_gets_an_rtvi_error_and_the_session_goes_on(name):
    payload, error = BAD_FRAMES[name]
    async with serving() as server:
        async with client(server) as bot:
            await bot.ready()
            await bot.ws.send(payload)
            message = await bot.wait_for("error")
            assert error in message["data"]["error"] and message["data"]["fatal"] is False
            assert (await bot.request("ping", 1))["type"] == "server-response"
            await healthy_session(server)


async def test_too_many_malformed_frames_close_with_1008():
    async with serving(max_malformed=5) as server:
        async with client(server) as bot:
            for _ in range(6):
                await bot.ws.send(b"\xff\xff")
            code, reason = await bot.closed()
        assert (code, reason) == (1008, "too many malformed frames (5)")
        await healthy_session(server)


async def test_10_mb_frame_closes_with_1009_without_buffering_it():
    async with serving() as server:
        async with client(server) as bot:
            await bot.ready()
            with pytest.raises(Exception):  # noqa: B017 (ConnectionClosed or a socket error, by timing)
                await bot.ws.send(b"\x22" + os.urandom(10 * 1024 * 1024))
                await bot.receive()
            code, _ = await bot.closed()
        assert code == 1009
        await healthy_session(server)


async def test_flood_of_1000_messages_per_second_closes_with_1008():
    async with serving() as server:
        async with client(server) as bot:
            await bot.ready()
            message = encode_message(
                msgspec.json.encode({"label": "rtvi-ai", "type": "client-message", "id": "f", "data": {"t": "ping"}})
            )
            sent = 0
            with anyio.move_on_after(5):  # 1000 messages over ~1 s, until the server hangs up
                for sent in range(1, 1001):  # noqa: B007 (read after the loop)
                    await bot.ws.send(message)
                    await anyio.sleep(0.001)
            code, reason = await bot.closed()
            print(f"closed after {sent} sends")
        assert code == 1008 and "rate limit exceeded" in reason
        await healthy_session(server)


async def test_abrupt_disconnect_in_the_middle_of_a_bot_turn_ends_the_session():
    async with serving() as server:
        async with client(server) as bot:
            await bot.ready()
            await bot.send("send-text", {"content": "a long answer " * 20, "options": {"run_immediately": True}})
            await bot.wait_for("bot-started-speaking")
            bot.ws.transport.abort()  # TCP reset, no close handshake
        await sessions_ended(server, 10)
        await healthy_session(server)


async def test_200_connections_opened_and_dropped():
    async with serving(max_sessions=300) as server:
        port = server.port

        def storm() -> None:
            for i in range(200):
                sock = socket.create_connection(("127.0.0.1", port))
                if i % 3 == 0:  # half a request head
                    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\n")
                elif i % 3 == 1:  # a complete upgrade, then gone
                    sock.sendall(
                        b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    )
                sock.close()

        await anyio.to_thread.run_sync(storm)
        await sessions_ended(server, 15)
        await healthy_session(server)
        assert server.sessions.created >= 60


async def test_a_failing_action_and_a_slow_one_do_not_touch_another_session():
    async with serving() as server:
        async with client(server) as slow, client(server) as failing:
            await slow.ready()
            await failing.ready()
            await slow.send("client-message", {"t": "slow", "d": {"secs": 30}})
            answer = await failing.request("boom")
            assert answer["type"] == "error-response" and "boom" in answer["data"]["error"]
            with anyio.fail_after(5):  # the slow session's provider does not hold anyone up
                await healthy_session(server)
