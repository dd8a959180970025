"""WebSocket framing after RFC 6455: UTF-8, fragments and pings under the rate limit, backpressure, keepalive."""

from __future__ import annotations

import socket

import anyio
import pytest
from server_support import client, frame, healthy_session, raw_websocket, serving, sessions_ended
from websockets.frames import Opcode

from rtvi_core.server import connection as connection_module

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


def close_code(sock: socket.socket) -> int | None:
    """Read server frames until the close frame (its code) or the end of the stream (None)."""
    data = b""
    sock.settimeout(10)
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        data += chunk
        pos = 0
        while len(data) - pos >= 2:
            opcode, length = data[pos] & 0x0F, data[pos + 1] & 0x7F
            start = pos + 2 + {126: 2, 127: 8}.get(length, 0)
            if length >= 126:
                length = int.from_bytes(data[pos + 2 : start], "big")
            if len(data) < start + length:
                break
            if opcode == Opcode.CLOSE.value:
                return int.from_bytes(data[start : start + 2], "big")
            pos = start + length
        if not chunk:
            return None


async def test_a_text_message_that_is_not_utf8_closes_with_1007():
    async with serving() as server:
        async with client(server) as bot, client(server) as other:
            await other.ready()
            await bot.ready()
            await bot.ws.send(b"\xff\xfe not utf-8", text=True)
            code, reason = await bot.closed()
            assert code == 1007 and "not UTF-8" in reason
            assert (await other.request("ping", 3))["type"] == "server-response"
        await healthy_session(server)


async def test_fragments_count_against_the_message_rate():
    async with serving(max_messages_per_sec=50) as server:
        sock = await anyio.to_thread.run_sync(raw_websocket, server.port)
        with sock:
            burst = frame(Opcode.BINARY, b"", fin=False) + frame(Opcode.CONT, b"", fin=False) * 2000
            await anyio.to_thread.run_sync(sock.sendall, burst)
            assert await anyio.to_thread.run_sync(close_code, sock) == 1008
        await healthy_session(server)


async def test_a_ping_flood_counts_against_the_message_rate():
    async with serving(max_messages_per_sec=50) as server:
        sock = await anyio.to_thread.run_sync(raw_websocket, server.port)
        with sock:
            await anyio.to_thread.run_sync(sock.sendall, frame(Opcode.PING, b"x" * 125) * 1000)
            assert await anyio.to_thread.run_sync(close_code, sock) == 1008
        await healthy_session(server)


def flood_without_reading(sock: socket.socket, limit: int) -> int:
    """Send pings (never reading the pongs) until no byte goes out for 2 s, the server drops the
    connection, or ``limit`` bytes are sent; the bytes sent."""
    sock.settimeout(2.0)
    ping = frame(Opcode.PING, b"p" * 125) * 64
    sent = 0
    while sent < limit:
        try:
            sent += sock.send(ping)
        except (TimeoutError, ConnectionResetError, BrokenPipeError):
            return sent
    return sent


async def test_a_client_that_never_reads_its_pongs_is_no_longer_read_then_dropped(monkeypatch):
    monkeypatch.setattr(connection_module, "WRITE_STALL_SECS", 0.5)
    limit = 64 * 1024 * 1024
    async with serving(max_messages_per_sec=0) as server:
        async with client(server) as other:
            await other.ready()
            sock = await anyio.to_thread.run_sync(raw_websocket, server.port)
            with sock:
                sent = await anyio.to_thread.run_sync(flood_without_reading, sock, limit)
                # The server stopped reading once its pongs piled up: the socket buffers filled
                # and the client's writes blocked long before 64 MiB of pings.
                assert sent < limit
                assert (await other.request("ping", 5))["type"] == "server-response"
                with anyio.fail_after(15):
                    while server.session_count > 1:  # dropped after WRITE_STALL_SECS
                        await anyio.sleep(0.05)
            assert (await other.request("ping", 6))["type"] == "server-response"


async def test_keepalive_ends_the_session_of_a_peer_that_stopped_answering():
    async with serving(ping_interval_secs=0.3, ping_timeout_secs=0.3, idle_timeout_secs=300) as server:
        async with client(server) as other:
            await other.ready()
            sock = await anyio.to_thread.run_sync(raw_websocket, server.port)
            with sock:  # open at the TCP level, but nobody answers the pings any more
                with anyio.fail_after(10):
                    while server.session_count > 1:
                        await anyio.sleep(0.05)
            # A client whose library answers pings stays, several ping intervals later.
            await anyio.sleep(1.2)
            assert (await other.request("ping", 7))["type"] == "server-response"
        await sessions_ended(server)


async def test_a_client_answering_pings_but_sending_nothing_still_meets_the_idle_timeout():
    async with serving(ping_interval_secs=0.1, ping_timeout_secs=1, idle_timeout_secs=0.8) as server:
        async with client(server) as bot:
            await bot.ready()
            assert await bot.closed() == (4008, "idle timeout")
