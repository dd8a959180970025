"""Serving test bots on loopback, and a small RTVI-over-protobuf WebSocket client."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from rtvi_websocket.testing import RTVIClient
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.server.server import SessionServer
from rtvi_core.server.testing import loopback_server
from rtvi_core.serving import SessionFactory

HERE = Path(__file__).parent

BOT = """\
[bot]
name = "test-bot"
speak_first = false
local_actions = ["bot_actions"]

[transport]
use = "websocket"
{transport}

[vad]
use = "energy"

[llm]
use = "echo"

[tts]
use = "tone"

[[actions]]
use = "ping"

[[actions]]
use = "boom"

[[actions]]
use = "slow"

[[actions]]
use = "block"
"""


def _keys(table: Mapping[str, Any]) -> str:
    return "\n".join(f"{key} = {json.dumps(value)}" for key, value in table.items())


def bot_text(pipeline: Mapping[str, Any] | None = None, **transport: Any) -> str:
    """The test bot with these ``[transport]`` keys (and ``[rtvi.pipeline]`` keys)."""
    text = BOT.format(transport=_keys(transport))
    return f"{text}\n[rtvi.pipeline]\n{_keys(pipeline)}\n" if pipeline else text


@asynccontextmanager
async def serving(
    *, bind: str = "127.0.0.1", bot: str | None = None, plugins: tuple[Any, ...] = (), **transport: Any
) -> AsyncIterator[SessionServer]:
    """The test bot (or the bot file text ``bot``) served on a free port of ``bind`` for the block.

    ``plugins`` are in-process plugin modules loaded beside the websocket plugin.
    """
    manager = PluginManager(autoload=True, allow=["websocket"])
    for plugin in plugins:
        assert manager.load_plugin(plugin, plugin.__name__), manager.failures
    text = bot if bot is not None else bot_text(**transport)
    config = load_bot_text(text, file="test-bot.toml", base_dir=HERE, registry=manager.registry)
    async with loopback_server(SessionFactory(config, manager), host=bind) as server:
        yield server


@asynccontextmanager
async def client(server: SessionServer, *, query: str = "", **kwargs: Any) -> AsyncIterator[RTVIClient]:
    """A connected client of ``server``."""
    url = f"ws://127.0.0.1:{server.port}/ws{query}"
    async with connect(url, max_size=None, **kwargs) as ws:
        yield RTVIClient(ws)


async def sessions_ended(server: SessionServer, timeout: float = 15.0) -> None:
    """Wait until the server has no session left."""
    with anyio.fail_after(timeout):
        while server.session_count:
            await anyio.sleep(0.02)


async def healthy_session(server: SessionServer) -> None:
    """A second client gets through a whole exchange: the server still serves."""
    async with client(server) as other:
        await other.ready()
        answer = await other.request("ping", {"n": 7})
        assert answer["type"] == "server-response" and answer["data"]["d"] == {"pong": {"n": 7}}


def raw_http(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` and read the whole response (the server closes after it): status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, body


async def request(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """:func:`raw_http` in a worker thread."""
    return await anyio.to_thread.run_sync(raw_http, port, raw)


def raw_websocket(port: int, *, host: str = "localhost") -> socket.socket:
    """A socket that has completed a WebSocket handshake and does nothing by itself (no pongs)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def frame(opcode: Opcode, data: bytes = b"", fin: bool = True) -> bytes:
    """One masked client frame."""
    return Frame(opcode, data, fin).serialize(mask=True)
