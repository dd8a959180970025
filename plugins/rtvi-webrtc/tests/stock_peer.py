"""An aiortc client built as the stock ``@pipecat-ai/small-webrtc-transport`` 1.10 builds its peer.

Transceivers: audio ``sendrecv`` (the microphone), video ``sendrecv`` (camera), video
``sendonly`` (screen), each video one without a track unless a test gives one (a
:class:`ColorTrack`); the ``chat`` data channel, ordered; RTVI messages as JSON text;
``ping: <ms>`` every second. Its candidates are gathered on 127.0.0.1 only, and with
``trickle=True`` they leave the SDP and go by ``PATCH`` bodies instead (the client's default).
"""

from __future__ import annotations

import asyncio
import fractions
import json
import time
from typing import Any

import av
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack, VideoStreamTrack
from rtvi_webrtc import ice

_ids = iter(range(1_000_000))


class PcmTrack(MediaStreamTrack):  # type: ignore[misc]
    """A microphone playing PCM16 mono (then silence), in 20 ms frames at real time."""

    kind = "audio"

    def __init__(self, pcm: bytes = b"", rate: int = 48000) -> None:
        super().__init__()
        self._rate = rate
        self._pcm = bytearray(pcm)
        self._pts = 0
        self._start: float | None = None

    def play(self, pcm: bytes) -> None:
        """Play ``pcm`` next."""
        self._pcm += pcm

    @property
    def queued(self) -> int:
        """Bytes of PCM not played yet."""
        return len(self._pcm)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        samples = self._rate // 50
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._pts / self._rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        chunk = bytes(self._pcm[: samples * 2]).ljust(samples * 2, b"\0")
        del self._pcm[: samples * 2]
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(chunk)
        frame.sample_rate = self._rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, self._rate)
        self._pts += samples
        return frame


class ColorTrack(VideoStreamTrack):  # type: ignore[misc]
    """A camera filming one solid RGB color, ``width`` × ``height``, at 30 frames a second."""

    def __init__(self, rgb: tuple[int, int, int], width: int = 320, height: int = 240) -> None:
        super().__init__()
        rgb_frame = av.VideoFrame(width=width, height=height, format="rgb24")
        plane = rgb_frame.planes[0]
        row = bytes(rgb) * width
        plane.update((row + bytes(plane.line_size - len(row))) * height)
        self._rgb = rgb_frame
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        # A new frame each time, converted by FFmpeg: copying planes between frames breaks when
        # their line padding differs (FFmpeg's allocations do not always align alike).
        frame = self._rgb.reformat(format="yuv420p")
        frame.pts = pts
        frame.time_base = time_base
        self.sent += 1
        return frame


class StockPeer:
    """The browser's side of a SmallWebRTC session."""

    def __init__(
        self,
        mic: PcmTrack | None = None,
        *,
        camera: MediaStreamTrack | None = None,
        screen: MediaStreamTrack | None = None,
    ) -> None:
        # aiortc's default (balanced) policy puts the screen on the camera's transport and
        # leaves it there when the answer bundles everything on the microphone's: its RTP
        # would go nowhere (a browser moves it). Max-bundle offers one transport from the start.
        policy = RTCBundlePolicy.MAX_BUNDLE if screen is not None else RTCBundlePolicy.BALANCED
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=policy))
        self.mic = mic or PcmTrack()
        self.pc.addTransceiver(self.mic, direction="sendrecv")
        self.pc.addTransceiver(camera or "video", direction="sendrecv")
        self.pc.addTransceiver(screen or "video", direction="sendonly")
        self.channel = self.pc.createDataChannel("chat", ordered=True)
        self.messages: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.bot_audio = bytearray()  # 48 kHz mono PCM16 of the bot's track
        self.bot_pts: list[int] = []  # its frames' timestamps: the RTP timestamps (48 kHz), less the first
        self.pc_id: str | None = None
        self.candidates: list[dict[str, Any]] = []
        self._opened = asyncio.Event()
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._pinger: asyncio.Task[None] | None = None
        self.pinging = True
        self.channel.on("open", self._on_open)
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    async def offer(self, *, trickle: bool = True, restart: bool = False) -> dict[str, Any]:
        """The body of ``POST /api/offer`` for a new offer."""
        with ice.gathering_on(("127.0.0.1",)):
            await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = self.pc.localDescription.sdp
        if trickle:
            lines = sdp.splitlines()
            mid = None
            for line in lines:
                if line.startswith("a=mid:") and mid is None:
                    mid = line[6:]
                if line.startswith("a=candidate:"):
                    self.candidates.append({"candidate": line[2:], "sdp_mid": mid, "sdp_mline_index": 0})
            sdp = "\r\n".join(line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates")))
            sdp += "\r\n"
        return {"sdp": sdp, "type": "offer", "pc_id": self.pc_id, "restart_pc": restart}

    def patch(self) -> dict[str, Any]:
        """The body of the ``PATCH`` carrying the candidates kept out of the offer."""
        return {"pc_id": self.pc_id, "candidates": self.candidates}

    async def accept(self, answer: dict[str, Any]) -> None:
        """Take the server's answer."""
        self.pc_id = answer["pc_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def opened(self, timeout: float = 10) -> None:
        """Wait until the data channel is open."""
        await asyncio.wait_for(self._opened.wait(), timeout)

    def send(self, msg_type: str, data: Any = None) -> str:
        """Send an RTVI message; returns its id."""
        msg_id = f"m{next(_ids)}"
        message = {"id": msg_id, "label": "rtvi-ai", "type": msg_type}
        if data is not None:
            message["data"] = data
        self.channel.send(json.dumps(message))
        return msg_id

    def send_raw(self, payload: str | bytes) -> None:
        """Send anything on the data channel."""
        self.channel.send(payload)

    async def wait_for(self, msg_type: str, timeout: float = 10) -> dict[str, Any]:
        """The first message of ``msg_type`` (already received or next)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if message.get("type") == msg_type:
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {msg_type!r} in {timeout} s; got {[m.get('type') for m in self.messages]}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass

    async def close(self) -> None:
        """Close the peer connection."""
        for task in (self._reader, self._pinger):
            if task is not None:
                task.cancel()
        await self.pc.close()

    def _on_open(self) -> None:
        self._opened.set()
        self._pinger = asyncio.get_running_loop().create_task(self._ping())

    async def _ping(self) -> None:
        """The client's keepalive: ``ping: <ms>`` every second (while :attr:`pinging`)."""
        while True:
            if self.pinging and self.channel.readyState == "open":
                self.channel.send(f"ping: {int(time.time() * 1000)}")
            await asyncio.sleep(1.0)

    def _on_message(self, data: str | bytes) -> None:
        if isinstance(data, str):
            self.raw.append(data)
            self.messages.append(json.loads(data))
        self._arrived.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._reader = asyncio.get_running_loop().create_task(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.bot_pts.append(frame.pts)
            for out in resampler.resample(frame):
                self.bot_audio += bytes(out.planes[0])[: out.samples * 2]
