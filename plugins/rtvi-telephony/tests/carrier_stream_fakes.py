"""Fake carriers on the media-stream side: real WebSocket clients on loopback that call a bot
as Twilio, Telnyx, Plivo and Exotel do, with the message shapes of their documentation.

* Twilio Media Streams — https://www.twilio.com/docs/voice/media-streams/websocket-messages
* Telnyx media streaming — https://developers.telnyx.com/api-reference/websockets/stream-call-media-over-websocket
* Plivo audio streams — https://plivo.com/docs/voice/audio-streaming/audio-streaming
* Exotel Voicebot applet — https://developer.exotel.com/docs/agentstream/stream-voicebot-applet

A :class:`FakeCall` sends ``connected``/``start``, then a "microphone": one packet of caller
audio every 20 ms in real time (100 ms for Exotel), silence when nothing is queued. It reads
what the bot sends: audio (decoded to PCM16 at 8 kHz), marks (echoed back as "played", as a
carrier does once the audio before them has played) and clears.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from rtvi_telephony.g711 import ulaw_decode, ulaw_encode
from rtvi_telephony.signatures import plivo_signature, twilio_signature
from websockets.exceptions import ConnectionClosed

from rtvi_core.audio import resample_once

RATE = 8000


@dataclass
class Wire:
    """One carrier's documented messages, for a call with these ids."""

    carrier: str
    stream_id: str = "MZ0123456789abcdef"
    call_id: str = "CA0123456789abcdef"
    caller: str = "+15551234567"
    callee: str = "+15557654321"
    parameters: dict[str, str] = field(default_factory=lambda: {"customer": "42"})
    packet_ms: int = 20
    seq: int = 0
    #: The auth token the carrier signs the stream's upgrade with (Twilio, Plivo; "": unsigned).
    auth_token: str = ""

    @property
    def linear(self) -> bool:
        """Exotel streams 16-bit PCM ("slin"); the others μ-law."""
        return self.carrier == "exotel"

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def upgrade_headers(self, url: str) -> dict[str, str]:
        """The headers the carrier signs the WebSocket upgrade to the stream ``url`` with: Twilio's
        ``X-Twilio-Signature`` (the URL, no parameters), Plivo's V3 signature of a GET of the URL."""
        if not self.auth_token:
            return {}
        if self.carrier == "twilio":
            return {"X-Twilio-Signature": twilio_signature(self.auth_token, url, {})}
        if self.carrier == "plivo":
            nonce = f"nonce{self.call_id[:8]}"
            signature = plivo_signature(self.auth_token, url, nonce)
            return {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": nonce}
        return {}

    def connected(self) -> dict[str, Any] | None:
        if self.carrier == "twilio":
            return {"event": "connected", "protocol": "Call", "version": "1.0.0"}
        if self.carrier == "telnyx":
            return {"event": "connected", "version": "1.0.0"}
        if self.carrier == "exotel":
            return {"event": "connected"}
        return None  # Plivo starts with "start"

    def start(self) -> dict[str, Any]:
        n, c = self._next(), self.carrier
        if c == "twilio":
            return {
                "event": "start",
                "sequenceNumber": str(n),
                "start": {
                    "accountSid": "AC123",
                    "streamSid": self.stream_id,
                    "callSid": self.call_id,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": {"from_number": self.caller, "to_number": self.callee, **self.parameters},
                },
                "streamSid": self.stream_id,
            }
        if c == "telnyx":
            return {
                "event": "start",
                "sequence_number": str(n),
                "stream_id": self.stream_id,
                "start": {
                    "user_id": "3E6F995F-85F7-4705-9741-53B116D28237",
                    "call_control_id": self.call_id,
                    "call_session_id": "ff55a038-6f5d-11ef-9692-02420aeffb1f",
                    "from": self.caller,
                    "to": self.callee,
                    "tags": [],
                    "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
                    "custom_parameters": self.parameters,
                    "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
                },
            }
        if c == "plivo":
            headers = ";".join(f"{k}={v}" for k, v in {"from": self.caller[1:], **self.parameters}.items())
            return {
                "event": "start",
                "sequenceNumber": n,
                "start": {
                    "callId": self.call_id,
                    "streamId": self.stream_id,
                    "accountId": "MAXXXXXXXXXXXXXXXXXX",
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
                },
                "extra_headers": headers,
            }
        return {
            "event": "start",
            "sequence_number": n,
            "stream_sid": self.stream_id,
            "start": {
                "stream_sid": self.stream_id,
                "call_sid": self.call_id,
                "account_sid": "exoaccount",
                "from": self.caller,
                "to": self.callee,
                "custom_parameters": self.parameters,
                "media_format": {"encoding": "base64", "sample_rate": "8000", "bit_rate": "128kbps"},
            },
        }

    def media(self, payload: str, chunk: int) -> dict[str, Any]:
        n, c = self._next(), self.carrier
        stamp = str(chunk * self.packet_ms)
        if c == "twilio":
            media = {"track": "inbound", "chunk": str(chunk), "timestamp": stamp, "payload": payload}
            return {"event": "media", "sequenceNumber": str(n), "media": media, "streamSid": self.stream_id}
        if c == "telnyx":
            media = {"track": "inbound", "chunk": str(chunk), "timestamp": stamp, "payload": payload}
            return {"event": "media", "sequence_number": str(n), "media": media, "stream_id": self.stream_id}
        if c == "plivo":
            media = {"track": "inbound", "timestamp": stamp, "chunk": chunk, "payload": payload}
            return {"event": "media", "sequenceNumber": n, "streamId": self.stream_id, "media": media}
        media = {"chunk": chunk, "timestamp": stamp, "payload": payload}
        return {"event": "media", "sequence_number": n, "stream_sid": self.stream_id, "media": media}

    def dtmf(self, digit: str) -> dict[str, Any]:
        n, c = self._next(), self.carrier
        if c == "twilio":
            return {
                "event": "dtmf",
                "streamSid": self.stream_id,
                "sequenceNumber": str(n),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        if c == "telnyx":
            return {
                "event": "dtmf",
                "stream_id": self.stream_id,
                "occurred_at": "2024-01-01T00:00:00Z",
                "sequence_number": str(n),
                "dtmf": {"digit": digit},
            }
        if c == "plivo":
            return {
                "event": "dtmf",
                "sequenceNumber": n,
                "streamId": self.stream_id,
                "dtmf": {"track": "inbound", "digit": digit},
            }
        return {
            "event": "dtmf",
            "sequence_number": n,
            "stream_sid": self.stream_id,
            "dtmf": {"duration": "200", "digit": digit},
        }

    def played(self, name: str) -> dict[str, Any]:
        """The carrier's acknowledgement of a mark (Plivo: ``playedStream`` for a checkpoint)."""
        n, c = self._next(), self.carrier
        if c == "plivo":
            return {"event": "playedStream", "sequenceNumber": n, "streamId": self.stream_id, "name": name}
        key = {"twilio": "streamSid", "telnyx": "stream_id", "exotel": "stream_sid"}[c]
        seq = {"twilio": "sequenceNumber", "telnyx": "sequence_number", "exotel": "sequence_number"}[c]
        return {"event": "mark", seq: str(n) if c != "exotel" else n, key: self.stream_id, "mark": {"name": name}}

    def stop(self) -> dict[str, Any] | None:
        n, c = self._next(), self.carrier
        if c == "twilio":
            stop = {"accountSid": "AC123", "callSid": self.call_id}
            return {"event": "stop", "sequenceNumber": str(n), "streamSid": self.stream_id, "stop": stop}
        if c == "telnyx":
            stop = {"user_id": "3E6F995F", "call_control_id": self.call_id}
            return {"event": "stop", "sequence_number": str(n), "stop": stop, "stream_id": self.stream_id}
        if c == "exotel":
            stop = {"call_sid": self.call_id, "account_sid": "exoaccount", "reason": "callended"}
            return {"event": "stop", "sequence_number": n, "stream_sid": self.stream_id, "stop": stop}
        return None  # Plivo reports the end to its status callback and closes the socket

    def read(self, message: dict[str, Any]) -> tuple[str, Any]:
        """What the bot sent: ``("media", pcm)``, ``("mark", name)``, ``("clear", None)``, else ``(event, message)``.

        Checks the documented shape: the stream id where the carrier wants it.
        """
        event = message.get("event")
        c = self.carrier
        key = {"twilio": "streamSid", "telnyx": "stream_id", "plivo": "streamId", "exotel": "stream_sid"}[c]
        if c == "plivo":
            assert message.get(key) == self.stream_id, message
            if event == "playAudio":
                media = message["media"]
                assert (media["contentType"], media["sampleRate"]) == ("audio/x-mulaw", 8000), message
                return "media", ulaw_decode(base64.b64decode(media["payload"]))
            if event == "checkpoint":
                return "mark", message["name"]
            if event == "clearAudio":
                return "clear", None
            return str(event), message
        if c != "telnyx":  # Telnyx's outbound frames need no stream id
            assert message.get(key) == self.stream_id, message
        if event == "media":
            coded = base64.b64decode(message["media"]["payload"])
            return "media", coded if self.linear else ulaw_decode(coded)
        if event == "mark":
            return "mark", message["mark"]["name"]
        if event == "clear":
            return "clear", None
        return str(event), message

    def encode(self, pcm: bytes) -> str:
        """Caller PCM16 at 8 kHz as this carrier's base64 payload."""
        return base64.b64encode(pcm if self.linear else ulaw_encode(pcm)).decode()


@dataclass
class Heard:
    """One thing the bot sent, stamped with ``time.perf_counter()``."""

    at: float
    kind: str
    data: Any


class FakeCall:
    """A call in progress: the carrier's side of the media stream (see :func:`fake_call`)."""

    def __init__(self, ws: Any, wire: Wire) -> None:
        self.ws = ws
        self.wire = wire
        self.heard: list[Heard] = []
        self.closed: Any = None  # the close frame, once the bot closed the stream
        self._arrived = anyio.Event()
        self._speech: list[bytes] = []
        self._spoken = anyio.Event()
        self._chunk = 0

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                kind, value = self.wire.read(json.loads(data))
                self.heard.append(Heard(time.perf_counter(), kind, value))
                if kind == "mark":
                    await self.send(self.wire.played(value))
                self._arrived.set()
                self._arrived = anyio.Event()
        except ConnectionClosed:
            pass
        self.closed = self.ws.close_code
        self._arrived.set()

    async def _microphone(self) -> None:
        """One packet every ``packet_ms``: queued speech, else silence (until the stream closes)."""
        size = RATE * self.wire.packet_ms // 1000 * 2
        silence = bytes(size)
        due = time.perf_counter()
        while self.closed is None and self.ws.close_code is None:
            packet = self._speech.pop(0) if self._speech else silence
            self._chunk += 1
            try:
                await self.send(self.wire.media(self.wire.encode(packet), self._chunk))
            except ConnectionClosed:
                return
            if packet is not silence and not self._speech:
                self._spoken.set()
            due += self.wire.packet_ms / 1000
            await anyio.sleep(max(0.0, due - time.perf_counter()))

    async def say(self, pcm: bytes, rate: int = 16000) -> float:
        """Speak ``pcm`` (PCM16 at ``rate``) into the call in real time; when the last packet went."""
        audio = resample_once(pcm, rate, RATE)
        size = RATE * self.wire.packet_ms // 1000 * 2
        audio += bytes(-len(audio) % size)
        self._spoken = anyio.Event()
        self._speech.extend(audio[i : i + size] for i in range(0, len(audio), size))
        await self._spoken.wait()
        return time.perf_counter()

    async def wait_for(self, kind: str, *, after: float = 0.0, timeout: float = 30.0) -> Heard:
        """The first ``kind`` heard after ``after``."""
        with anyio.fail_after(timeout):
            while True:
                for item in self.heard:
                    if item.kind == kind and item.at > after:
                        return item
                if self.closed is not None:
                    raise AssertionError(f"the bot closed the stream ({self.closed}) before sending {kind}")
                await self._arrived.wait()

    async def wait_closed(self, timeout: float = 10.0) -> Any:
        """The bot's close code, once it closed the stream."""
        with anyio.fail_after(timeout):
            while self.closed is None:
                await self._arrived.wait()
        return self.closed

    def audio(self, *, after: float = 0.0, before: float = float("inf")) -> bytes:
        """The bot's audio (PCM16, 8 kHz) heard between ``after`` and ``before``."""
        return b"".join(item.data for item in self.heard if item.kind == "media" and after < item.at < before)

    def kinds(self) -> list[str]:
        """What was heard, in order, runs of media as one ``"media"``."""
        kinds: list[str] = []
        for item in self.heard:
            if item.kind != "media" or kinds[-1:] != ["media"]:
                kinds.append(item.kind)
        return kinds


@asynccontextmanager
async def fake_call(
    port: int,
    wire: Wire,
    *,
    start: bool = True,
    microphone: bool = True,
    path: str = "/ws",
    headers: dict[str, str] | None = None,
) -> AsyncIterator[FakeCall]:
    """A call from ``wire``'s carrier to the bot on 127.0.0.1:``port`` (``path``): ``connected`` and
    ``start`` sent (unless ``start`` is false), the microphone streaming; hung up at the end.

    The upgrade carries ``headers``, by default the carrier's signature of the stream URL the
    bot's markup names without a ``public_url`` (``wss://127.0.0.1:{port}{path}``)."""
    from websockets.asyncio.client import connect

    if headers is None:
        headers = wire.upgrade_headers(f"wss://127.0.0.1:{port}{path}")
    async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, additional_headers=headers) as ws:
        call = FakeCall(ws, wire)
        async with anyio.create_task_group() as group:
            group.start_soon(call._read)
            hello = wire.connected()
            if hello is not None:
                await call.send(hello)
            if start:
                await call.send(wire.start())
            if microphone:
                group.start_soon(call._microphone)
            try:
                yield call
            finally:
                group.cancel_scope.cancel()
