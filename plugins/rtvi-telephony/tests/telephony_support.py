"""A phone bot served on loopback for the tests, with its sessions and keypresses recorded."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from carrier_rest_fakes import FakeCarrier, FakeExotel, FakePlivo, FakeTelnyx, FakeTwilio
from carrier_stream_fakes import Wire

from rtvi_core.frames import InputDTMFFrame
from rtvi_core.observers import BaseObserver, FramePushed

CARRIERS = ("twilio", "telnyx", "plivo", "exotel")

#: Each carrier's credentials in a bot file, matching its fake REST API.
CREDENTIALS = {
    "twilio": {"account_sid": "AC00000000000000000000000000000000", "auth_token": "twilio-token"},
    "telnyx": {"api_key": "KEY0123", "connection_id": "1684641123236054244"},
    "plivo": {"auth_id": "MA0000000000000000AB", "auth_token": "plivo-token"},
    "exotel": {"api_key": "exo-key", "api_token": "exo-token", "account_sid": "exo-sid"},
}

#: A cheap bot: energy VAD, the echo LLM, the tone TTS; it greets the caller.
CHEAP_BOT = """\
[bot]
name = "phone-test"
speak_first = {speak_first}

[transport]
use = "{carrier}"
{transport}

[vad]
use = "energy"
start_secs = 0.1
stop_secs = 0.3

[llm]
use = "echo"

[tts]
use = "tone"

[[actions]]
use = "hang-up"
"""


def transport_keys(carrier: str, **extra: Any) -> str:
    """``[transport]`` lines: the carrier's credentials and ``extra`` (TOML values)."""
    keys = {**CREDENTIALS[carrier], **extra}
    return "\n".join(f"{key} = {_toml(value)}" for key, value in keys.items())


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def fake_rest(carrier: str, wire: Wire) -> FakeCarrier:
    """The carrier's fake REST API, knowing ``wire``'s call."""
    if carrier == "twilio":
        return FakeTwilio()
    if carrier == "telnyx":
        return FakeTelnyx()
    if carrier == "plivo":
        return FakePlivo(live={wire.call_id})
    return FakeExotel()


def wire_for(carrier: str) -> Wire:
    """A call's documented messages, with ids shaped as the carrier's."""
    ids = {
        "twilio": ("MZ18ad3ab5a668481ce02b83e7395059f0", "CA0123456789abcdef0123456789abcdef"),
        "telnyx": ("32de0dea-53cb-4b21-89a4-9e1819c043bc", "v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d"),
        "plivo": ("87654321-4321-4321-4321-cba987654321", "12345678-1234-1234-1234-123456789abc"),
        "exotel": ("8f3b7e4c2a", "b6f1c9d2e3a4f5b6c7d8e9f0a1b2c3d4"),
    }
    stream_id, call_id = ids[carrier]
    token = CREDENTIALS[carrier].get("auth_token", "")
    return Wire(
        carrier, stream_id=stream_id, call_id=call_id, packet_ms=100 if carrier == "exotel" else 20, auth_token=token
    )


class KeypressObserver(BaseObserver):
    """Records each ``InputDTMFFrame`` once (its first hop)."""

    frame_types = (InputDTMFFrame,)

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []
        self._seen: set[int] = set()

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if id(frame) not in self._seen and isinstance(frame, InputDTMFFrame):
            self._seen.add(id(frame))
            self.keys.append(frame.button.value)


@dataclass
class Served:
    """The served bot: its server, its sessions (``BotSession``s) and their keypress observers."""

    server: Any
    sessions: list[Any] = field(default_factory=list)
    keypresses: list[KeypressObserver] = field(default_factory=list)
    #: What ``on_client_connected`` handlers got (a phone call: its ``CallInfo``).
    connected: list[Any] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def health(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{self.url}/health")
        data: dict[str, Any] = answer.json()
        return data


@asynccontextmanager
async def served_bot(text: str, *, plugins: tuple[str, ...] = (), preload: bool = False) -> AsyncIterator[Served]:
    """The bot file ``text`` served on a free loopback port for the block (with the built-ins, this
    plugin and ``plugins``)."""
    import anyio

    from rtvi_core.config.loader import load_bot_text
    from rtvi_core.plugins.manager import PluginManager
    from rtvi_core.server.testing import loopback_server
    from rtvi_core.serving import SessionFactory

    manager = PluginManager(autoload=True, allow=["telephony", *plugins])
    assert manager.failures == [], manager.failures
    config = load_bot_text(text, file="phone-test.toml", registry=manager.registry)

    class Recording(SessionFactory):
        def create(self, transport: str | None = None) -> Any:
            session = super().create(transport)
            observer = KeypressObserver()
            session.task.add_observer(observer)
            session.transport.add_event_handler(
                "on_client_connected", lambda _t, client: served.connected.append(client)
            )
            served.sessions.append(session)
            served.keypresses.append(observer)
            return session

    factory = Recording(config, manager)
    if preload:
        await anyio.to_thread.run_sync(lambda: list(factory.preload()))
    async with loopback_server(factory) as server:
        served = Served(server)
        yield served


def tone(seconds: float, rate: int = 16000, freq: float = 440.0, level: float = 0.5) -> bytes:
    """A loud sine (PCM16): speech enough for the energy VAD."""
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * freq * t) * level * 32767).astype("<i2").tobytes()


def rms(pcm: bytes) -> float:
    """The RMS level of PCM16 (0..32768)."""
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) & ~1], dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
