"""The user's microphone: its RTP packets put in order, decoded in the event loop, into the pipeline."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket

from .log import logger
from .opus_decode import OpusDecoder
from .reorder import Release, ReorderBuffer

logger = logger.getChild("audio_in")

#: What receives the user's audio: PCM16 mono at ``rate`` (the input transport's ``push_audio``).
AudioSink = Callable[[bytes, int], Awaitable[None]]

#: Decoded audio waiting for a pipeline that does not take it (beyond, the oldest goes): 2 s.
MAX_PENDING: Final = 100


class MicrophoneReceiver:
    """Stands in for aiortc's audio jitter buffer: packets → order → Opus → PCM → ``sink``.

    aiortc hands :meth:`add` each depayloaded packet of the microphone (see
    :func:`rtvi_webrtc.rtp_tap.tap_audio_receiver`). A packet in order is decoded at once
    (libopus, mono, at the pipeline's ``rate``) and its PCM goes to ``sink`` from
    :meth:`run`'s task: no jitter buffer, no decoder thread. A gap holds later packets for
    at most ``reorder_secs`` (a timer: a gap at the end of speech cannot stall), then the
    lost packets are concealed (libopus PLC, or the next packet's in-band FEC). Bad input
    (garbage, empty payloads, duplicates, late packets) is dropped or concealed, never raised.
    """

    def __init__(self, rate: int, sink: AudioSink, *, reorder_secs: float = 0.06) -> None:
        self.rate = rate
        self._sink = sink
        self._reorder = ReorderBuffer(reorder_secs)
        self._decoder: OpusDecoder | None = OpusDecoder(rate)
        self._pending: deque[bytes] = deque(maxlen=MAX_PENDING)
        self._ready: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_deadline: float | None = None
        self.packets = 0

    @property
    def concealed(self) -> int:
        """Packets concealed so far (lost, or not Opus)."""
        decoder = self._decoder
        return 0 if decoder is None else decoder.concealed + decoder.errors

    # -- aiortc's side (the JitterBuffer interface) ------------------------------------------

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        """Take one packet; never gives aiortc a frame to decode."""
        try:
            self.packets += 1
            self._take(self._reorder.push(packet.ssrc, packet.sequence_number, bytes(packet.payload), time.monotonic()))
        except Exception:  # a bad packet must not break aiortc's receive loop
            logger.exception("microphone packet %s dropped", packet.sequence_number)
        return False, None

    def _expire(self) -> None:
        self._timer = self._timer_deadline = None
        self._take(self._reorder.expire(time.monotonic()))

    def _take(self, released: list[Release]) -> None:
        decoder = self._decoder
        if decoder is None:
            return
        for lost, payload in released:
            if lost:
                self._pending.append(decoder.conceal(lost, payload))
            self._pending.append(decoder.decode(payload))
        if released and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        self._arm_timer()

    def _arm_timer(self) -> None:
        deadline = self._reorder.deadline
        if deadline == self._timer_deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_deadline = deadline
        if deadline is not None:
            delay = max(0.0, deadline - time.monotonic())
            self._timer = asyncio.get_running_loop().call_later(delay, self._expire)

    # -- the pipeline's side -----------------------------------------------------------------

    async def run(self, track: MediaStreamTrack) -> None:
        """Hand the decoded audio to the sink until ``track`` ends (or the task is cancelled)."""
        ended = asyncio.get_running_loop().create_task(_until_ended(track))
        ended.add_done_callback(lambda _: self._wake())
        try:
            while not ended.done():
                while self._pending:
                    pcm = self._pending.popleft()
                    if pcm:
                        await self._sink(pcm, self.rate)
                if ended.done():
                    break
                self._ready = asyncio.get_running_loop().create_future()
                await self._ready
        finally:
            ended.cancel()
            self.close()

    def _wake(self) -> None:
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def close(self) -> None:
        """Stop decoding and free the decoder at once (later packets are dropped)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._timer_deadline = None
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        self._pending.clear()


async def _until_ended(track: MediaStreamTrack) -> None:
    """Returns when ``track`` ends (aiortc stops its idle decoder thread: ``recv`` raises)."""
    while True:
        try:
            await track.recv()
        except MediaStreamError:
            logger.debug("microphone track %s ended", track.id)
            return
