"""The voice bot on a real socket, and a client that talks to it like a browser.

The bot: WebSocket transport + Silero VAD + Whisper tiny.en + the echo LLM + Piper
(joe), served in-process on a free loopback port. The client streams microphone
audio at real time in 16 ms frames (512 bytes of 16 kHz PCM16), silence whenever it
has nothing to say, and stamps every message and audio frame it receives. The
voice_latency benchmark (``benchmarks/scenarios/voice_latency.py``) uses the same client.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio

#: Module of each plugin the bot needs → how to install it.
VOICE_PLUGINS = {
    "rtvi_websocket": "pip install -e plugins/rtvi-websocket",
    "rtvi_silero": "pip install -e plugins/rtvi-silero && pip install --no-deps silero-vad",
    "rtvi_whisper": "pip install -e 'plugins/rtvi-whisper[tiny-en]'",
    "rtvi_piper": "pip install -e 'plugins/rtvi-piper[joe]'",
}

VAD_STOP_SECS = 0.3

BOT = f"""\
[bot]
name = "voice-e2e"
speak_first = false

[transport]
use = "websocket"

[vad]
use = "silero"
stop_secs = {VAD_STOP_SECS}

[stt]
use = "whisper"
model = "tiny.en"

[llm]
use = "echo"

[tts]
use = "piper"
voice = "joe"
"""

FRAME_MS = 16
MIC_RATE = 16000
FRAME_BYTES = MIC_RATE * FRAME_MS // 1000 * 2  # 512


def missing_voice_stack() -> str | None:
    """Why the voice bot cannot run here, naming what to install; None when it can."""
    for module, command in VOICE_PLUGINS.items():
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: {command}"
    from rtvi_core.config.errors import BotFileError

    try:
        _load_bot(_manager())
    except BotFileError as exc:  # e.g. a model or voice package missing: the message names it
        return f"the voice bot file does not load: {exc}"
    return None


def _manager() -> Any:
    from rtvi_core.plugins.manager import PluginManager

    return PluginManager(autoload=True, allow=["websocket", "silero", "whisper", "piper"])


def _load_bot(manager: Any) -> Any:
    from rtvi_core.config.loader import load_bot_text

    return load_bot_text(BOT, file="voice-e2e.toml", registry=manager.registry)


@asynccontextmanager
async def voice_server() -> AsyncIterator[Any]:
    """The voice bot served on a free loopback port, its models loaded, for the block."""
    from rtvi_core.server.testing import loopback_server
    from rtvi_core.serving import SessionFactory

    manager = _manager()
    config = _load_bot(manager)
    factory = SessionFactory(config, manager)
    await anyio.to_thread.run_sync(lambda: list(factory.preload()))
    async with loopback_server(factory) as server:
        yield server


@dataclass
class Received:
    """One thing the client received: an RTVI message or a bot audio frame."""

    at: float  # time.perf_counter() when it was read
    type: str  # the RTVI message type, or "audio"
    data: Any  # the message's data, or the audio frame (PbAudioRawFrame)


class VoiceClient:
    """An RTVI client over protobuf with a live microphone (see :func:`voice_client`)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.received: list[Received] = []
        self._arrived = anyio.Event()
        self._speech: list[bytes] = []
        self._spoken = anyio.Event()
        self.speech_ended_at = 0.0

    # -- receiving ------------------------------------------------------------------

    async def _read(self) -> None:
        from rtvi_websocket.protobuf import PbAudioRawFrame, PbMessageFrame, decode_frame

        async for data in self.ws:
            at = time.perf_counter()
            frame = decode_frame(data) if isinstance(data, bytes) else None
            if isinstance(frame, PbMessageFrame):
                message = json.loads(frame.data)
                self.received.append(Received(at, message.get("type", "?"), message))
            elif isinstance(frame, PbAudioRawFrame):
                self.received.append(Received(at, "audio", frame))
            self._arrived.set()
            self._arrived = anyio.Event()

    async def wait_for(self, msg_type: str, *, after: float = 0.0, timeout: float = 30.0, **data: Any) -> Received:
        """The first ``msg_type`` received after ``after`` whose ``data`` has these items."""
        with anyio.fail_after(timeout):
            while True:
                for item in self.received:
                    if item.type == msg_type and item.at > after and _has(item.data, data):
                        return item
                await self._arrived.wait()

    def events(self) -> list[str]:
        """The RTVI message types received, in order, runs of audio frames as one ``"audio"``."""
        types: list[str] = []
        for item in self.received:
            if item.type != "audio" or types[-1:] != ["audio"]:
                types.append(item.type)
        return types

    # -- sending --------------------------------------------------------------------

    async def send(self, msg_type: str, data: Any = None) -> None:
        from rtvi_websocket.protobuf import encode_message

        message = {"label": "rtvi-ai", "type": msg_type, "id": f"{msg_type}-{len(self.received)}"}
        if data is not None:
            message["data"] = data
        await self.ws.send(encode_message(json.dumps(message).encode()))

    async def ready(self) -> None:
        """``client-ready`` → ``bot-ready``."""
        await self.send("client-ready", {"version": "2.1.0", "about": {"library": "voice-e2e"}})
        await self.wait_for("bot-ready")

    async def _microphone(self) -> None:
        """Send one 16 ms frame every 16 ms: queued speech, else silence."""
        from rtvi_websocket.protobuf import encode_audio

        silence = bytes(FRAME_BYTES)
        period = FRAME_MS / 1000
        due = time.perf_counter()
        while True:
            frame = self._speech.pop(0) if self._speech else silence
            await self.ws.send(encode_audio(frame, MIC_RATE, 1, name="audio"))
            if frame is not silence and not self._speech:
                self.speech_ended_at = time.perf_counter()
                self._spoken.set()
            due += period
            await anyio.sleep(max(0.0, due - time.perf_counter()))

    async def say(self, frames: list[bytes]) -> tuple[float, float]:
        """Speak ``frames`` (16 ms each) into the microphone; when the first and the last were sent."""
        self._spoken = anyio.Event()
        started = time.perf_counter()
        self._speech.extend(frames)
        await self._spoken.wait()
        return started, self.speech_ended_at


def _has(data: Any, expected: dict[str, Any]) -> bool:
    inner = data.get("data") if isinstance(data, dict) else None
    return all(isinstance(inner, dict) and inner.get(key) == value for key, value in expected.items())


@asynccontextmanager
async def voice_client(port: int, host: str = "127.0.0.1") -> AsyncIterator[VoiceClient]:
    """A client of the bot server on ``host:port``, ready (``bot-ready`` received), its microphone on."""
    from websockets.asyncio.client import connect

    async with connect(f"ws://{host}:{port}/ws", max_size=None) as ws:
        client = VoiceClient(ws)
        async with anyio.create_task_group() as group:
            group.start_soon(client._read)
            await client.ready()
            group.start_soon(client._microphone)
            try:
                yield client
            finally:
                group.cancel_scope.cancel()


def audio_seconds(items: list[Received]) -> float:
    """Seconds of bot audio in ``items``' audio frames."""
    return sum(len(i.data.audio) / (2 * i.data.sample_rate * i.data.num_channels) for i in items if i.type == "audio")


def speech_frames(clip: Any) -> list[bytes]:
    """A ``SpeechClip``'s speech without the silence at its ends, in 16 ms frames."""
    return clip._replace(pcm=trim_silence(clip.pcm)).frames(FRAME_MS)


def trim_silence(pcm: bytes, threshold: int = 300) -> bytes:
    """PCM16 ``pcm`` without its leading and trailing samples quieter than ``threshold``."""
    import array

    samples = array.array("h", pcm)
    loud = [i for i, s in enumerate(samples) if abs(s) >= threshold]
    return samples[loud[0] : loud[-1] + 1].tobytes() if loud else b""
