"""The load client of ``webrtc_sessions``: N aiortc peers in one process, built like the stock
``@pipecat-ai/small-webrtc-transport`` peer (audio ``sendrecv``, video ``sendrecv``, video
``sendonly``, the ``chat`` data channel, ``ping: <ms>`` every second).

Kept cheap so the shared cores go to the server:

* the microphone sends **pre-encoded** Opus packets (:class:`OpusPacketTrack`: a speech WAV
  encoded once, mono 20 ms packets, looped at real time); aiortc sends an ``av.Packet`` as is;
* bot audio is **not decoded**: :func:`install_arrival_recorder` replaces aiortc's
  ``decoder_worker`` (one thread per receiver) with one that only notes the arrival time of
  each encoded frame, for :func:`late_frames` (underruns: a gap > 60 ms while the bot talks);
* candidates are gathered on 127.0.0.1 only (the same patch of aioice as both servers), and
  put in the offer (the stock client's ``waitForICEGathering: true``, no PATCH).
"""

from __future__ import annotations

import asyncio
import fractions
import json
import time
import wave
from typing import Any

import aioice.ice
import aiortc.rtcrtpreceiver
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

OPUS_RATE = 48000
PACKET_SAMPLES = 960  # 20 ms
TIME_BASE = fractions.Fraction(1, OPUS_RATE)
READY = {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js", "library_version": "1.13.1"}}

#: id(track queue) -> monotonic arrival times of the encoded frames of that remote track.
ARRIVALS: dict[int, list[float]] = {}


def install_arrival_recorder() -> None:
    """Make aiortc's receivers note arrival times instead of decoding (idempotent)."""

    def record_arrivals(loop: Any, input_q: Any, output_q: Any, decode_error: Any) -> None:
        times = ARRIVALS.setdefault(id(output_q), [])
        while True:
            task = input_q.get()
            if task is None:
                return
            times.append(time.monotonic())

    aiortc.rtcrtpreceiver.decoder_worker = record_arrivals  # type: ignore[attr-defined]


def gather_on_loopback_only() -> None:
    """aioice: host candidates on 127.0.0.1 only (what both servers do too)."""

    def loopback(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    aioice.ice.get_host_addresses = loopback


def encode_wav(path: str, bitrate: int = 32000) -> list[bytes]:
    """The WAV as mono Opus packets of 20 ms at 48 kHz (what a browser sends, VBR off)."""
    with wave.open(path, "rb") as wav:
        rate, channels, pcm = wav.getframerate(), wav.getnchannels(), wav.readframes(wav.getnframes())
    return encode_pcm(pcm, rate, channels, bitrate)


def encode_pcm(pcm: bytes, rate: int, channels: int = 1, bitrate: int = 32000) -> list[bytes]:
    """PCM16 as mono Opus packets of 20 ms at 48 kHz (the last one padded with silence)."""
    frame = av.AudioFrame(format="s16", layout="mono" if channels == 1 else "stereo", samples=len(pcm) // 2 // channels)
    frame.planes[0].update(pcm)
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
    pcm48 = b"".join(
        bytes(f.planes[0])[: f.samples * 2] for f in [*resampler.resample(frame), *resampler.resample(None)]
    )
    pcm48 += bytes(-len(pcm48) % (PACKET_SAMPLES * 2))
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format, codec.bit_rate = OPUS_RATE, "mono", "s16", bitrate
    codec.time_base = TIME_BASE
    codec.options = {"application": "voip"}
    packets: list[bytes] = []
    for i in range(0, len(pcm48), PACKET_SAMPLES * 2):
        chunk = av.AudioFrame(format="s16", layout="mono", samples=PACKET_SAMPLES)
        chunk.planes[0].update(pcm48[i : i + PACKET_SAMPLES * 2])
        chunk.sample_rate, chunk.pts, chunk.time_base = OPUS_RATE, i // 2, TIME_BASE
        packets += [bytes(p) for p in codec.encode(chunk)]
    packets += [bytes(p) for p in codec.encode(None)]
    return packets


class OpusPacketTrack(MediaStreamTrack):  # type: ignore[misc]
    """A microphone playing pre-encoded Opus packets in a loop, one every 20 ms at real time."""

    kind = "audio"

    def __init__(self, packets: list[bytes], offset: int = 0) -> None:
        super().__init__()
        self._packets = packets
        self._index = offset % len(packets)
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._pts / OPUS_RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self._packets[self._index])
        self._index = (self._index + 1) % len(self._packets)
        packet.pts, packet.time_base = self._pts, TIME_BASE
        self._pts += PACKET_SAMPLES
        return packet


async def http(host: str, port: int, method: str, path: str, body: Any = None, timeout: float = 30) -> tuple[int, Any]:
    """One HTTP/1.1 request, JSON in and out."""
    reader, writer = await asyncio.open_connection(host, port)
    payload = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    try:
        writer.write(head.encode() + payload)
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    top, _, rest = data.partition(b"\r\n\r\n")
    status = int(top.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in top.lower():
        out, pos = bytearray(), 0
        while (end := rest.index(b"\r\n", pos)) and (size := int(rest[pos:end], 16)):
            out += rest[end + 2 : end + 2 + size]
            pos = end + 4 + size
        rest = bytes(out)
    try:
        return status, json.loads(rest)
    except ValueError:
        return status, rest


class Peer:
    """One browser-like session: mic packets out, bot audio arrival times in, RTVI on the channel."""

    def __init__(self, packets: list[bytes], offset: int = 0) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver(OpusPacketTrack(packets, offset), direction="sendrecv")
        self.pc.addTransceiver("video", direction="sendrecv")
        self.pc.addTransceiver("video", direction="sendonly")
        self.channel = self.pc.createDataChannel("chat", ordered=True)
        self.messages: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        self._opened = asyncio.Event()
        self._ready = asyncio.Event()
        self._pinger: asyncio.Task[None] | None = None
        self.channel.on("open", self._opened.set)
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    async def connect(self, host: str, port: int, timeout: float = 30) -> None:
        """``/start``, the offer (every candidate in it), the answer; channel open; client-ready -> bot-ready."""
        status, started = await http(host, port, "POST", "/start", {"transport": "webrtc"})
        if status != 200:
            raise RuntimeError(f"/start: {status} {started!r}")
        await self.pc.setLocalDescription(await self.pc.createOffer())  # gathers before returning
        offer = {"sdp": self.pc.localDescription.sdp, "type": "offer", "pc_id": None, "restart_pc": False}
        status, answer = await http(host, port, "POST", f"/sessions/{started['sessionId']}/api/offer", offer)
        if status != 200:
            raise RuntimeError(f"offer: {status} {answer!r}")
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(self._opened.wait(), timeout)
        self._pinger = asyncio.get_running_loop().create_task(self._ping())
        self.channel.send(json.dumps({"id": "ready", "label": "rtvi-ai", "type": "client-ready", "data": READY}))
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def close(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        await self.pc.close()

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            if self.channel.readyState == "open":
                self.channel.send(f"ping: {int(time.time() * 1000)}")

    def _on_message(self, data: str | bytes) -> None:
        if isinstance(data, str):
            try:
                message = json.loads(data)
            except ValueError:
                return
            self.messages.append(message)
            if message.get("type") == "bot-ready":
                self._ready.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self.arrivals = ARRIVALS.setdefault(id(track._queue), [])


def late_frames(arrivals: list[float], start: float, end: float, gap: float = 0.060) -> dict[str, float]:
    """Bot audio frames in ``[start, end)``: how many, and how many came > ``gap`` after the previous one.

    ``late_ms_total`` sums the excess of each late gap over 20 ms (audio the listener missed);
    a window with no frame at all counts as one late frame per 20 ms.
    """
    inside = [t for t in arrivals if start <= t < end]
    before = [t for t in arrivals if t < start]
    previous = before[-1] if before else None
    late, missed = 0, 0.0
    for t in inside:
        if previous is not None and t - previous > gap:
            late += 1
            missed += t - previous - 0.020
        previous = t
    if not inside:
        late, missed = int((end - start) / 0.020), end - start
    return {"frames": len(inside), "late": late, "missed_ms": missed * 1e3}
