"""Serving a WebRTC test bot on loopback, and the HTTP calls the stock client makes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.server.server import SessionServer
from rtvi_core.server.testing import loopback_server
from rtvi_core.serving import SessionFactory

BOT = """\
[bot]
name = "webrtc-test-bot"

[transport]
use = "webrtc"
ice_host_addresses = "loopback"
{transport}

[vad]
use = "energy"

[llm]
use = "echo"

[tts]
use = "tone"
"""


class _WatchedSessions(SessionFactory):
    """Sessions handed to ``on_session`` as they are built (to add an observer to their task)."""

    def __init__(self, config: Any, manager: PluginManager, on_session: Callable[[Any], None]) -> None:
        super().__init__(config, manager)
        self._on_session = on_session

    def create(self, transport: str | None = None) -> Any:
        session = super().create(transport)
        self._on_session(session)
        return session


@asynccontextmanager
async def serving(on_session: Callable[[Any], None] | None = None, **transport: Any) -> AsyncIterator[SessionServer]:
    """The test bot (energy VAD, echo LLM, tone TTS) over WebRTC on a free loopback port, for the block.

    ``on_session(session)`` is called with each ``BotSession`` before it runs.
    """
    manager = PluginManager(autoload=True, allow=["webrtc"])
    keys = "\n".join(f"{key} = {json.dumps(value)}" for key, value in transport.items())
    config = load_bot_text(BOT.format(transport=keys), file="test-bot.toml", registry=manager.registry)
    sessions = SessionFactory(config, manager) if on_session is None else _WatchedSessions(config, manager, on_session)
    async with loopback_server(sessions) as server:
        yield server


async def http(
    server: SessionServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request to the server: status, headers (lower-case names) and the body (JSON decoded when it is)."""
    data = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Content-Length: {len(data)}"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    answer = b""
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        with anyio.fail_after(15):
            while chunk := await reader.read(65536):
                answer += chunk
    except ConnectionResetError:
        pass  # the server answered before reading the whole body (413), then closed
    finally:
        writer.close()
    top, _, payload = answer.partition(b"\r\n\r\n")
    lines = top.decode().split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    parsed: Any = payload
    if payload and fields.get("Content-Type", "").startswith("application/json"):
        parsed = json.loads(payload)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, parsed


async def health(server: SessionServer) -> dict[str, Any]:
    """``GET /health``."""
    status, _, body = await http(server, "GET", "/health")
    assert status == 200, body
    return dict(body)


async def until_health(server: SessionServer, timeout: float = 15, **expected: Any) -> dict[str, Any]:
    """Poll ``/health`` until it shows ``expected`` (e.g. ``sessions=0, peer_connections=0``)."""
    with anyio.fail_after(timeout):
        while True:
            now = await health(server)
            if all(now.get(key) == value for key, value in expected.items()):
                return now
            await anyio.sleep(0.05)
