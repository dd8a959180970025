"""The server's HTTP routes and limits: origins, capacity, idle timeout, malformed HTTP."""

from __future__ import annotations

import json

import anyio
import pytest
from server_support import client, healthy_session, request, serving, sessions_ended
from websockets.exceptions import InvalidStatus

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


async def test_health_counts_sessions():
    async with serving(max_sessions=7) as server:
        async with client(server) as bot:
            await bot.ready()
            status, headers, body = await request(server.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert status == 200 and headers["content-type"] == "application/json"
            health = json.loads(body)
            loop = health.pop("loop")
            assert health == {
                "status": "ok",
                "sessions": 1,
                "max_sessions": 7,
                "bot": "test-bot",
                "transports": ["websocket"],
            }
            assert set(loop) >= {"current_ms", "p50_ms", "p99_ms", "max_ms", "stalls", "window_secs"}


async def test_health_reports_the_event_loop_lag_and_names_what_blocked_it(caplog):
    async with serving() as server:
        async with client(server) as bot:
            await bot.ready()
            assert (await bot.request("block", {"secs": 0.3}))["type"] == "server-response"
            with anyio.fail_after(10):
                while True:
                    _, _, body = await request(server.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    loop = json.loads(body)["loop"]
                    if loop["stalls"]:
                        break
                    await anyio.sleep(0.05)
        assert loop["max_ms"] >= 200 and "bot_actions.py" in loop["last_stall"] and "block" in loop["last_stall"]
        assert any("event loop blocked" in r.getMessage() and "block" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("raw", "status", "info"),
    [
        (b"GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, "no such endpoint"),
        (b"DELETE /health HTTP/1.1\r\nHost: localhost\r\n\r\n", 405, "DELETE is not allowed"),
        (b"GET /start HTTP/1.1\r\nHost: localhost\r\n\r\n", 405, "use POST /start"),
        (b"POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n{nope", 400, "not JSON"),
        (b"POST /start HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501, "Transfer-Encoding"),
        (b"POST /start HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", 413, "body larger"),
        (b"POST /start HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n{", 400, "repeated Content-Length"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431, "head larger"),
        (b"HELLO\r\n\r\n", 400, "malformed request line"),
        (b"GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n", 426, "speaks WebSocket"),
        (b"GET /playground/../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, "no such file"),
    ],
)
async def test_malformed_or_wrong_http_gets_a_specific_status(raw, status, info):
    async with serving() as server:
        got, _, body = await request(server.port, raw)
        assert got == status and info in json.loads(body)["info"]
        await healthy_session(server)


async def test_playground_is_served():
    async with serving() as server:
        status, headers, body = await request(server.port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert status == 200 and headers["content-type"].startswith("text/html") and b"<html" in body.lower()


async def test_origins_outside_the_allow_list_are_refused_before_the_upgrade():
    async with serving(allowed_origins=["https://app.example.com"]) as server:
        url_origin = f"http://127.0.0.1:{server.port}"
        for origin in ("https://app.example.com", url_origin):  # listed, and the server's own
            async with client(server, origin=origin) as bot:
                await bot.ready()
        with pytest.raises(InvalidStatus) as refused:
            async with client(server, origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        status, _, body = await request(
            server.port,
            b"POST /start HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\n\r\n",
        )
        assert status == 403 and "not allowed" in json.loads(body)["info"]
        status, headers, _ = await request(
            server.port, b"OPTIONS /start HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example.com\r\n\r\n"
        )
        assert status == 204 and headers["access-control-allow-origin"] == "https://app.example.com"


async def test_sessions_beyond_max_are_refused_with_1013_and_start_503():
    async with serving(max_sessions=2) as server:
        async with client(server) as one, client(server) as two:
            await one.ready()
            await two.ready()
            async with client(server) as three:
                code, reason = await three.closed()
            assert (code, reason) == (1013, "the server is full (2 sessions): try again later")
            status, headers, body = await request(
                server.port, b"POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
            )
            assert status == 503 and headers["retry-after"] == "5" and "full" in json.loads(body)["info"]
        await sessions_ended(server, 10)
        await healthy_session(server)


async def test_idle_client_is_closed_with_4008():
    async with serving(idle_timeout_secs=0.5) as server:
        async with client(server) as bot:
            await bot.ready()
            code, reason = await bot.closed()
        assert (code, reason) == (4008, "idle timeout")


async def test_a_client_that_never_finishes_its_request_is_dropped():
    async with serving(handshake_timeout_secs=0.3) as server:
        status, _, body = await request(server.port, b"GET /health HTTP/1.1\r\n")
        assert status == 408 and "not received in time" in json.loads(body)["info"]
