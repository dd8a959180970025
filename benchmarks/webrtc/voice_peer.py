"""A voice client over WebRTC with the interface of ``tests/voice/voice_support.py``'s
``VoiceClient`` (``received``, ``wait_for``, ``say``), for ``voice_latency --transport webrtc``.

An aiortc peer built like the stock client (``peers.Peer``'s transceivers and channel, RTVI
on the ``chat`` data channel, ``ping: <ms>`` every second). The microphone sends mono Opus
packets of 20 ms at real time: each sentence is encoded before it is spoken (as a browser
encodes on the user's machine, not on the bot's: the WebSocket client sends raw PCM for no
CPU either), a 3-byte Opus silence packet when it has nothing to say. Bot audio is not decoded: each RTP packet is stamped as it
arrives (before aiortc's jitter buffer), and a packet larger than the 3-byte Opus silence
packet rtvi-webrtc sends while the bot is quiet is recorded as ``Received(at, "audio", size)``:
the bot audio's arrival, as the WebSocket client stamps a frame when it reads it (neither
counts the browser's playout buffer).
"""

from __future__ import annotations

import asyncio
import fractions
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiortc.rtcrtpreceiver
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from peers import READY, encode_pcm, gather_on_loopback_only, http

RATE = 48000
SAMPLES = 960  # 20 ms
SILENCE_PACKET_BYTES = 3
#: 20 ms of digital silence in Opus (TOC 0xf8: CELT full band, 20 ms, one frame).
SILENCE_PACKET = b"\xf8\xff\xfe"
#: id(remote track) -> called with (perf_counter, RTP payload bytes) as each packet arrives.
_LISTENERS: dict[int, Callable[[float, int], None]] = {}


def install_frame_listener() -> None:
    """Stamp each RTP packet of a listened-to track on arrival, before aiortc's jitter buffer
    (which holds audio 4 packets, 80 ms, before decoding: a browser's NetEq adapts instead),
    and decode nothing (idempotent)."""
    receiver_class = aiortc.rtcrtpreceiver.RTCRtpReceiver
    original = receiver_class._handle_rtp_packet
    if getattr(original, "stamps_arrivals", False):
        return

    async def handle(self: Any, packet: Any, arrival_time_ms: int) -> None:
        listener = _LISTENERS.get(id(self._track))
        if listener is not None:
            listener(time.perf_counter(), len(packet.payload))
        await original(self, packet, arrival_time_ms)

    def drain(loop: Any, input_q: Any, output_q: Any, decode_error: Any) -> None:
        while input_q.get() is not None:
            pass

    handle.stamps_arrivals = True  # type: ignore[attr-defined]
    receiver_class._handle_rtp_packet = handle
    aiortc.rtcrtpreceiver.decoder_worker = drain  # type: ignore[attr-defined]


@dataclass
class Received:
    """One thing received: an RTVI message or a bot audio packet (``data`` = its size)."""

    at: float
    type: str
    data: Any


class MicTrack(MediaStreamTrack):  # type: ignore[misc]
    """Opus packets of 20 ms at real time: queued speech, else the silence packet."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[bytes] = []
        self.on_spoken: Callable[[float], None] | None = None
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.perf_counter()
        delay = self._start + self._pts / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = self.pending.pop(0) if self.pending else SILENCE_PACKET
        if payload is not SILENCE_PACKET and not self.pending and self.on_spoken is not None:
            self.on_spoken(time.perf_counter())
        packet = av.Packet(payload)
        packet.pts, packet.time_base = self._pts, fractions.Fraction(1, RATE)
        self._pts += SAMPLES
        return packet


class WebRTCVoiceClient:
    """See the module doc; :func:`webrtc_voice_client` connects one."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.mic = MicTrack()
        self.pc.addTransceiver(self.mic, direction="sendrecv")
        self.pc.addTransceiver("video", direction="sendrecv")
        self.pc.addTransceiver("video", direction="sendonly")
        self.channel = self.pc.createDataChannel("chat", ordered=True)
        self.received: list[Received] = []
        self._arrived = asyncio.Event()
        self._opened = asyncio.Event()
        self._spoken = asyncio.Event()
        self.speech_ended_at = 0.0
        self._pinger: asyncio.Task[None] | None = None
        self.channel.on("open", self._opened.set)
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    async def connect(self, host: str, port: int) -> None:
        status, started = await http(host, port, "POST", "/start", {"transport": "webrtc"})
        assert status == 200, started
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"sdp": self.pc.localDescription.sdp, "type": "offer", "pc_id": None, "restart_pc": False}
        status, answer = await http(host, port, "POST", f"/sessions/{started['sessionId']}/api/offer", offer)
        assert status == 200, answer
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(self._opened.wait(), 30)
        self._pinger = asyncio.get_running_loop().create_task(self._ping())
        self.send("client-ready", READY)
        await self.wait_for("bot-ready")

    async def close(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        await self.pc.close()

    def send(self, msg_type: str, data: Any = None) -> None:
        message = {"label": "rtvi-ai", "type": msg_type, "id": f"{msg_type}-{len(self.received)}"}
        if data is not None:
            message["data"] = data
        self.channel.send(json.dumps(message))

    async def wait_for(self, msg_type: str, *, after: float = 0.0, timeout: float = 30.0) -> Received:
        """The first ``msg_type`` received after ``after``."""
        async with asyncio.timeout(timeout):
            while True:
                for item in self.received:
                    if item.type == msg_type and item.at > after:
                        return item
                self._arrived.clear()
                await self._arrived.wait()

    async def say(self, frames: list[bytes]) -> tuple[float, float]:
        """Speak ``frames`` (16 kHz PCM16); when speaking began and when the last speech was sent."""
        packets = encode_pcm(b"".join(frames), 16000)
        self._spoken.clear()
        self.mic.on_spoken = self._on_spoken
        started = time.perf_counter()
        self.mic.pending += packets
        await self._spoken.wait()
        return started, self.speech_ended_at

    def _on_spoken(self, at: float) -> None:
        self.speech_ended_at = at
        self._spoken.set()

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            if self.channel.readyState == "open":
                self.channel.send(f"ping: {int(time.time() * 1000)}")

    def _on_message(self, data: str | bytes) -> None:
        if isinstance(data, str):
            at = time.perf_counter()
            try:
                message = json.loads(data)
            except ValueError:
                return
            self.received.append(Received(at, message.get("type", "?"), message))
            self._arrived.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            _LISTENERS[id(track)] = self._on_audio

    def _on_audio(self, at: float, size: int) -> None:
        if size > SILENCE_PACKET_BYTES:
            self.received.append(Received(at, "audio", size))
            self._arrived.set()


@asynccontextmanager
async def webrtc_voice_client(port: int, host: str = "127.0.0.1") -> AsyncIterator[WebRTCVoiceClient]:
    """A WebRTC client of the bot server on ``host:port``, ready (``bot-ready`` received), its microphone on."""
    install_frame_listener()
    gather_on_loopback_only()
    client = WebRTCVoiceClient()
    try:
        await client.connect(host, port)
        yield client
    finally:
        await client.close()
