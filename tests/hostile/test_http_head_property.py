"""Property tests of the HTTP front: the request-head decoder and the routes behind it.

Whatever bytes arrive, ``parse_request`` returns None (incomplete), a request whose
header values hold no control character, or raises the documented ``HttpError``; and the
server answers every parsed request with exactly one well-formed response whose head no
client byte can split.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.server.bot_server import bot_server
from rtvi_core.server.http import MAX_BODY_BYTES, MAX_HEAD_BYTES, HttpError, Request, parse_request
from rtvi_core.server.server import SessionServer
from rtvi_core.serving import SessionFactory

pytestmark = pytest.mark.rtvi_plugins

#: Every status the parser may refuse with.
PARSER_STATUSES = {400, 413, 414, 431, 501, 505}
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: A response head: status line, then "Name: value" lines only.
RESPONSE_HEAD = re.compile(rb"^HTTP/1\.1 \d{3} [^\r\n]+(\r\n[A-Za-z-]+: [^\r\n]*)+\r\n\r\n")

methods = st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "get", ""])
targets = st.one_of(
    st.sampled_from(["/", "/ws", "/start", "/health", "/playground/playground.js", "*", "/%00", "/../.."]),
    st.builds(lambda p: "/" + p, st.text(max_size=40)),
    st.builds(lambda h, p: f"http://{h}/{p}", st.text(max_size=20), st.text(max_size=20)),
    st.text(max_size=60),
)
versions = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "http/1.1", "HTTP/1", ""])
header_names = st.one_of(
    st.sampled_from(
        [
            "Host",
            "Origin",
            "Content-Length",
            "Transfer-Encoding",
            "Upgrade",
            "Connection",
            "Access-Control-Request-Headers",
            "Authorization",
            "Sec-WebSocket-Key",
            "X-Y",
        ]
    ),
    st.text(max_size=12),
)
header_values = st.one_of(
    st.sampled_from(
        [
            "localhost",
            "127.0.0.1:7860",
            "http://localhost:5173",
            "websocket",
            "0",
            "5",
            "-1",
            "chunked",
            "Bearer k",
            "a\r\nSet-Cookie: x=1",
            "a\nb",
            "a\rb",
            "a\x00b",
            "[::1]:80",
        ]
    ),
    st.text(max_size=40),
)
headers = st.lists(st.tuples(header_names, header_values), max_size=8)


def compose(method: str, target: str, version: str, fields: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"{method} {target} {version}"] + [f"{name}: {value}" for name, value in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


def check_parse(data: bytes) -> Request | None:
    try:
        request = parse_request(data)
    except HttpError as exc:
        assert exc.status in PARSER_STATUSES, exc.status
        assert exc.message and len(exc.message) < 300
        return None
    if request is not None:
        assert len(request.head) <= MAX_HEAD_BYTES + 4 and len(request.body) <= MAX_BODY_BYTES
        for value in request.headers.values():
            assert not CONTROL.search(value), value
        assert not CONTROL.search(request.host)
    return request


@given(st.binary(max_size=2048))
def test_property_any_bytes_parse_or_get_a_documented_refusal(data: bytes) -> None:
    check_parse(data)
    check_parse(data + b"\r\n\r\n")


@given(methods, targets, versions, headers, st.binary(max_size=64))
def test_property_request_like_heads_parse_or_get_a_documented_refusal(method, target, version, fields, body) -> None:
    check_parse(compose(method, target, version, fields, body))


class RecordingConnection:
    """What ``handle_request`` answers through (a test double of the socket side)."""

    peer = "127.0.0.1:1"
    peer_ip = "127.0.0.1"

    def __init__(self) -> None:
        self.responses: list[bytes] = []

    def respond(self, data: bytes) -> None:
        self.responses.append(data)

    def upgrade(self, request: Any) -> bool:
        self.responses.append(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        return False  # stop before a session: the handshake itself is websockets' part


@pytest.fixture(scope="module")
def server() -> SessionServer:
    manager = PluginManager(autoload=True, allow=["websocket"])
    bot = '[transport]\nuse = "websocket"\nallowed_origins = ["https://*.example.com"]\n[llm]\nuse = "echo"\n'
    sessions = SessionFactory(load_bot_text(bot, file="bot.toml", registry=manager.registry), manager)
    return bot_server(sessions, host="127.0.0.1", port=7860)


@given(methods, targets, versions, headers, st.binary(max_size=64))
def test_property_every_parsed_request_gets_one_well_formed_answer(
    server, method, target, version, fields, body
) -> None:
    request = check_parse(compose(method, target, version, fields, body))
    if request is None:
        return
    connection = RecordingConnection()

    async def answer() -> None:
        server.handle_request(connection, request)  # type: ignore[arg-type]

    asyncio.run(answer())
    (response,) = connection.responses
    assert RESPONSE_HEAD.match(response), response[:300]
    status = int(response[9:12])
    assert status in {101, 200, 204, 400, 401, 403, 404, 405, 421, 426, 429, 503}, response[:200]
