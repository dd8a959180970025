"""The HTTP front follows RFC 9110/9112 and RFC 6455's handshake: each case once, a healthy session after."""

from __future__ import annotations

import json

import pytest
from server_support import client, healthy_session, request, serving, sessions_ended

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"


@pytest.mark.parametrize(
    ("raw", "status", "info"),
    [
        # Response splitting: CR, LF or NUL inside a header value never reach a response header.
        (
            b"OPTIONS /start HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\r\n"
            b"Access-Control-Request-Headers: content-type\nSet-Cookie: pwned=1\r\n\r\n",
            400,
            "control character",
        ),
        (b"GET /health HTTP/1.1\r\nHost: localhost\rX-Injected: 1\r\n\r\n", 400, "control character"),
        (b"GET /health HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\x00\r\n\r\n", 400, "control character"),
        (b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n folded\r\n\r\n", 400, "folded header"),
        (b"GET /health HTTP/1.1\r\n\r\n", 400, "missing Host"),
        (b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "repeated Host"),
        (b"GET /health HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "malformed Host"),
        (b"GET /health HTTP/2.0\r\nHost: localhost\r\n\r\n", 505, "HTTP/2.0 is not supported"),
        (b"GET ftp://localhost/health HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "unsupported request target"),
        (b"GET /playground/" + b"a" * 5000 + b".js HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, "no such file"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "longer than 8192"),
        (
            b"POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4009\r\n\r\n"
            + b'{"body":'
            + b"[" * 2000
            + b"]" * 2000
            + b"}",
            400,
            "nested too deeply",
        ),
        (
            b'POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 25\r\n\r\n{"createDailyRoom":"yes"}',
            400,
            "Expected `bool`, got `str` - at `$.createDailyRoom`",
        ),
        (
            b'POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 29\r\n\r\n{"enableDefaultIceServers":1}',
            400,
            "Expected `bool`, got `int` - at `$.enableDefaultIceServers`",
        ),
        # Handshake refusals come with the documented JSON body, not websockets' text/plain.
        (f"GET /ws HTTP/1.1\r\nHost: localhost\r\n{UPGRADE}\r\n".encode(), 400, "Sec-WebSocket-Key"),
        (
            f"GET /ws HTTP/1.1\r\nHost: localhost\r\n{KEY}Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 8\r\n\r\n".encode(),
            400,
            "Sec-WebSocket-Version",
        ),
    ],
    ids=[
        "CRLF in a value",
        "bare CR",
        "NUL",
        "obs-fold",
        "no Host",
        "two Hosts",
        "bad Host",
        "HTTP/2.0",
        "ftp target",
        "long asset",
        "long target",
        "deep JSON body",
        "string bool",
        "int bool",
        "upgrade without key",
        "upgrade version 8",
    ],
)
async def test_bad_requests_get_a_specific_status_and_a_json_body(raw, status, info):
    async with serving() as server:
        got, headers, body = await request(server.port, raw)
        assert got == status and headers["content-type"] == "application/json", body
        assert info in json.loads(body)["info"]
        assert "set-cookie" not in headers and "x-injected" not in headers
        await healthy_session(server)


async def test_head_gets_the_headers_of_get_without_a_body():
    async with serving() as server:
        for path in (b"/health", b"/", b"/nope"):
            get_status, get_headers, get_body = await request(
                server.port, b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            status, headers, body = await request(
                server.port, b"HEAD " + path + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            assert (status, body) == (get_status, b"") and get_body
            assert headers["content-length"] == get_headers["content-length"] == str(len(get_body))


async def test_absolute_form_targets_are_served_with_their_own_host():
    async with serving() as server:
        port = server.port
        status, _, body = await request(
            port, f"GET http://localhost:{port}/health HTTP/1.1\r\nHost: other\r\n\r\n".encode()
        )
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, _, body = await request(
            port, f"POST http://127.0.0.1:{port}/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()
        )
        assert status == 200 and json.loads(body)["wsUrl"] == f"ws://127.0.0.1:{port}/ws"
        status, _, _ = await request(
            port, b"GET http://rebind.attacker.example/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        assert status == 421


async def test_http_1_0_without_host_and_options_star_are_answered():
    async with serving() as server:
        status, _, body = await request(server.port, b"GET /health HTTP/1.0\r\n\r\n")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, headers, _ = await request(server.port, b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert status == 204 and "POST" in headers["allow"]


async def test_during_the_drain_start_answers_503_and_health_says_draining():
    async with serving(drain_timeout_secs=30) as server:
        async with client(server) as bot:
            await bot.ready()
            server.drain()
            status, headers, body = await request(
                server.port, b"POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
            )
            assert status == 503 and headers["retry-after"] == "5"
            assert json.loads(body)["info"] == "the server is shutting down"
            status, _, body = await request(server.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert json.loads(body) | {"sessions": None, "loop": None} == {
                "status": "draining",
                "sessions": None,
                "max_sessions": 100,
                "bot": "test-bot",
                "transports": ["websocket"],
                "loop": None,
            }
            assert (await bot.request("ping", 1))["type"] == "server-response"  # the live session goes on
        await sessions_ended(server)
