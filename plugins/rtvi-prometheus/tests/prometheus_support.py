"""A test bot served on loopback with the metrics plugin, scrapes over HTTP, and a WebSocket client."""

from __future__ import annotations

import http.client
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rtvi_prometheus import MetricsExporter
from rtvi_websocket.testing import RTVIClient
from websockets.asyncio.client import connect

from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins import hookimpl
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.server.server import SessionServer
from rtvi_core.server.testing import loopback_server
from rtvi_core.services.tts import TTSService
from rtvi_core.serving import SessionFactory

HERE = Path(__file__).parent
BOT_NAME = "metrics-bot"

#: The test bot: websocket transport, energy VAD, echo LLM, tone TTS; ``{extra}`` adds tables.
BOT = f"""\
[bot]
name = "{BOT_NAME}"
speak_first = false

[transport]
use = "websocket"
{{transport}}

[vad]
use = "energy"

[llm]
use = "echo"

[tts]
use = "tone"
{{extra}}
"""


def bot_text(*, extra: str = "", **transport: Any) -> str:
    """The test bot with these ``[transport]`` keys and ``extra`` tables."""
    keys = "\n".join(f"{key} = {json.dumps(value)}" for key, value in transport.items())
    return BOT.format(transport=keys, extra=extra)


@asynccontextmanager
async def serving(
    text: str | None = None, *, plugins: tuple[Any, ...] = (), preload: bool = False, **transport: Any
) -> AsyncIterator[SessionServer]:
    """The bot file ``text`` (default: the test bot with ``transport`` keys) served on loopback,
    with the websocket, prometheus and whisper plugins installed (and in-process ``plugins``);
    ``preload``: its models loaded first."""
    manager = PluginManager(autoload=True, allow=["websocket", "prometheus", "whisper"])
    assert not manager.failures, manager.failures
    for index, plugin in enumerate(plugins):
        assert manager.load_plugin(plugin, f"test-plugin-{index}"), manager.failures
    text = text or bot_text(**transport)
    config = load_bot_text(text, file="metrics-bot.toml", base_dir=HERE, registry=manager.registry)
    factory = SessionFactory(config, manager)
    if preload:
        await anyio.to_thread.run_sync(lambda: list(factory.preload()))
    async with loopback_server(factory) as server:
        yield server


def _http(
    port: int, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=dict(headers))
        answer = connection.getresponse()
        return answer.status, {name.lower(): value for name, value in answer.getheaders()}, answer.read()
    finally:
        connection.close()


async def request(
    server: SessionServer, method: str, path: str, *, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request to ``server`` over loopback: the status, headers and body of its answer."""
    return await anyio.to_thread.run_sync(_http, server.port, method, path, headers or {}, body)


class Scrape:
    """One ``GET /metrics`` answer, parsed by prometheus-client's own parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, sample: str, **labels: str) -> float:
        """The value of the sample named ``sample`` with these labels (and ``bot``); 0 if there is none."""
        labels = {"bot": BOT_NAME, **labels}
        for family in self.families.values():
            for found in family.samples:
                if found.name == sample and all(found.labels.get(k) == v for k, v in labels.items()):
                    return float(found.value)
        return 0.0


async def scrape(server: SessionServer, token: str | None = None) -> Scrape:
    """``GET /metrics`` of ``server`` (with the bearer ``token``), which must answer 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _, body = await request(server, "GET", "/metrics", headers=headers)
    assert status == 200, body
    return Scrape(body.decode())


def exported(server: SessionServer) -> Scrape:
    """What ``server``'s exporter would answer now (also once the server has stopped listening)."""
    exporter = next(extension for extension in server.extensions if isinstance(extension, MetricsExporter))
    return Scrape(generate_latest(exporter.metrics.registry).decode())


async def until(server: SessionServer, check: Any, timeout: float = 20.0) -> Scrape:
    """Scrape until ``check(scrape)`` holds (events reach the metrics as the server sees them)."""
    with anyio.fail_after(timeout):
        while True:
            found = await scrape(server)
            if check(found):
                return found
            await anyio.sleep(0.05)


class TTSPlugin:
    """An in-process plugin registering the TTS class ``tts`` (for :func:`serving`'s ``plugins``)."""

    def __init__(self, tts: type[TTSService]) -> None:
        self.tts = tts

    @hookimpl
    def rtvi_register_tts(self, register: Callable[[type[TTSService]], None]) -> None:
        register(self.tts)


@asynccontextmanager
async def client(server: SessionServer, url: str | None = None) -> AsyncIterator[RTVIClient]:
    """A client connected to ``url`` (default: ``server``'s ``/ws``)."""
    async with connect(url or f"ws://127.0.0.1:{server.port}/ws", max_size=None) as ws:
        yield RTVIClient(ws)
