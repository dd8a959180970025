"""``RTVIClient``: a protobuf RTVI client on a real WebSocket, for tests of served bots.

It speaks what the stock ``@pipecat-ai/websocket-transport`` speaks (RTVI messages and
audio in protobuf frames), so a plugin's tests can drive a bot served by ``rtvi run`` or
:func:`rtvi_core.server.testing.loopback_server` without a browser.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from websockets.exceptions import ConnectionClosed

from .protobuf import PbAudioRawFrame, PbMessageFrame, decode_frame, encode_audio, encode_message

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

_ids = itertools.count()


class RTVIClient:
    """An RTVI client on ``ws``: what it received so far, as ``messages`` (decoded JSON),
    ``audio`` (the bot's audio frames) and ``raw`` (every WebSocket message)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.audio: list[PbAudioRawFrame] = []
        self.raw: list[bytes | str] = []

    async def send(self, msg_type: str, data: Any = None, msg_id: str | None = None) -> str:
        """Send an RTVI message (``data`` left out when None); its id."""
        msg_id = msg_id or f"m{next(_ids)}"
        message: dict[str, Any] = {"label": "rtvi-ai", "type": msg_type, "id": msg_id}
        if data is not None:
            message["data"] = data
        await self.ws.send(encode_message(msgspec.json.encode(message)))
        return msg_id

    async def send_audio(self, pcm: bytes, sample_rate: int = 16000) -> None:
        """Send microphone audio (PCM16 mono)."""
        await self.ws.send(encode_audio(pcm, sample_rate, 1, name="audio"))

    async def receive(self) -> None:
        """Read one WebSocket message into ``messages``/``audio``."""
        data = await self.ws.recv()
        self.raw.append(data)
        frame = decode_frame(data) if isinstance(data, bytes) else None
        if isinstance(frame, PbMessageFrame):
            self.messages.append(json.loads(frame.data))
        elif isinstance(frame, PbAudioRawFrame):
            self.audio.append(frame)

    async def wait_for(self, msg_type: str, msg_id: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """The first message of ``msg_type`` (and ``msg_id``) received, reading until it comes."""
        with anyio.fail_after(timeout):
            while True:
                for message in self.messages:
                    if message.get("type") == msg_type and (msg_id is None or message.get("id") == msg_id):
                        return message
                await self.receive()

    async def ready(self) -> dict[str, Any]:
        """Send ``client-ready``; the ``bot-ready`` answer."""
        msg_id = await self.send("client-ready", {"version": "2.1.0", "about": {"library": "test"}})
        return await self.wait_for("bot-ready", msg_id)

    async def request(self, t: str, d: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        """Send ``client-message`` ``t`` with ``d``; its ``server-response`` or ``error-response``."""
        msg_id = await self.send("client-message", {"t": t, "d": d})
        with anyio.fail_after(timeout):
            while True:
                for message in self.messages:
                    if message.get("id") == msg_id and message.get("type") in ("server-response", "error-response"):
                        return message
                await self.receive()

    async def closed(self, timeout: float = 20.0) -> tuple[int | None, str]:
        """Read until the server closes the connection: its close code and reason."""
        with anyio.fail_after(timeout):
            try:
                while True:
                    await self.receive()
            except ConnectionClosed as exc:
                return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, "")
