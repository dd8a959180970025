"""The bot's voice as a WebRTC track: Opus packets encoded here, paced at real time.

aiortc's sender pulls ``recv()`` as fast as it returns. Given an ``av.Packet`` it
sends it as is, skipping its own encoder (stereo, 96 kbit/s, run in a thread-pool hop per
frame) and its per-sample audio-level loop; the RTP timestamp is the packet's ``pts`` in
its ``time_base`` converted to Opus's 48 kHz clock. So the track encodes mono Opus itself,
one 20 ms frame per call, at the pipeline's output rate when libopus takes it (8, 12, 16,
24, 48 kHz: no resampler), and sleeps until that frame's time. When the bot is silent it
sends a canned 3-byte Opus silence frame instead of encoding zeros (RTP keeps flowing, as
browsers expect, for next to no CPU); audio written then goes out at once, the schedule
moving to now, instead of waiting for the next 20 ms slot.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from typing import Any, Final

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .opus_decode import OPUS_RATES

#: Opus in WebRTC runs at 48 kHz (its RTP clock); one packet is 20 ms.
OPUS_RATE: Final = 48000
SAMPLES_PER_PACKET: Final = 960
_PACKETS_PER_SEC: Final = 50
_TIME_BASE: Final = fractions.Fraction(1, OPUS_RATE)
#: An Opus packet of 20 ms of digital silence (TOC 0xf8: CELT full band, 20 ms, one frame).
SILENCE_PACKET: Final = b"\xf8\xff\xfe"
#: How late ``recv()`` may fall behind its schedule (a stalled loop) before the schedule
#: moves to now: the client then hears a gap rather than a burst.
_MAX_LATE_SECS: Final = 0.1


class BotAudioTrack(MediaStreamTrack):
    """Outbound audio: PCM written by the pipeline, played as mono Opus.

    :meth:`write` takes PCM16 at any rate: encoded at that rate when libopus takes it,
    else resampled to 48 kHz (stereo is downmixed); at most ``max_buffered_secs`` of it
    waits (the oldest is dropped beyond: the pipeline paces its writes, so only a peer that
    stopped pulling lets audio pile up). :meth:`clear` drops what waits, at once (an
    interruption). :meth:`stop` also releases the encoder and the resampler at once: each
    holds native worker threads (FFmpeg's, two apiece) that would otherwise live until the
    cyclic GC frees the ended session.
    """

    kind = "audio"

    def __init__(
        self,
        *,
        bitrate: int = 32000,
        max_buffered_secs: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._bitrate = bitrate
        self._codec: av.AudioCodecContext | None = None
        self._rate = OPUS_RATE  # the rate of what waits in _pcm, and of the encoder
        self._resampler: av.AudioResampler | None = None
        self._resampler_input: tuple[int, int] = (0, 0)
        self._pcm = bytearray()  # mono s16 at _rate waiting to be encoded
        self._max_buffered_secs = max_buffered_secs
        self._clock = clock
        self._start: float | None = None
        self._pts = 0  # on the 48 kHz RTP clock
        self._silent = True  # the last packet sent was silence
        self._audio_waiter: asyncio.Future[bool] | None = None
        self.packets_sent = 0
        self.silence_sent = 0

    @property
    def encode_rate(self) -> int:
        """The rate the bot's audio is encoded at."""
        return self._rate

    @property
    def buffered_secs(self) -> float:
        """Seconds of audio written and not yet sent."""
        return len(self._pcm) / 2 / self._rate

    def write(self, pcm: bytes, sample_rate: int, channels: int = 1) -> None:
        """Queue ``pcm`` (signed 16-bit, interleaved) for playback."""
        samples = len(pcm) // (2 * channels)
        if samples == 0 or self.readyState != "live":
            return
        rate = sample_rate if sample_rate in OPUS_RATES else OPUS_RATE
        if rate != self._rate:
            self.clear()
            self._codec = None
            self._rate = rate
        if sample_rate == rate and channels == 1:
            self._pcm += pcm[: samples * 2]
        else:
            frame = av.AudioFrame(format="s16", layout="mono" if channels == 1 else "stereo", samples=samples)
            frame.planes[0].update(pcm[: samples * 2 * channels])
            frame.sample_rate = sample_rate
            for out in self._resample(frame, sample_rate, channels):
                self._pcm += bytes(out.planes[0])[: out.samples * 2]
        overflow = len(self._pcm) - int(self._max_buffered_secs * self._rate) * 2
        if overflow > 0:
            del self._pcm[: overflow + overflow % 2]
        waiter = self._audio_waiter
        if waiter is not None and not waiter.done() and len(self._pcm) >= self._packet_bytes:
            waiter.set_result(True)

    def clear(self) -> None:
        """Drop the audio not sent yet."""
        self._pcm.clear()
        self._resampler = None  # and what the resampler holds back

    def stop(self) -> None:
        """End the track (``recv`` raises from now on) and release the encoder and resampler."""
        super().stop()
        self.clear()
        self._codec = None

    def _resample(self, frame: av.AudioFrame, sample_rate: int, channels: int) -> list[av.AudioFrame]:
        if self._resampler is None or self._resampler_input != (sample_rate, channels):
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=self._rate)
            self._resampler_input = (sample_rate, channels)
        return self._resampler.resample(frame)

    async def recv(self) -> av.Packet[Any]:
        """The next 20 ms packet, when it is due (at once for the first audio after silence)."""
        if self.readyState != "live":
            raise MediaStreamError
        now = self._clock()
        if self._start is None:
            self._start = now
        due = self._start + self._pts / OPUS_RATE
        if due > now and await self._pause(due - now, wake_on_audio=self._silent and not self._pcm):
            self._start = self._clock() - self._pts / OPUS_RATE  # audio came: it goes out now
        elif now - due > _MAX_LATE_SECS:
            self._start = now - self._pts / OPUS_RATE
        packet = av.Packet(self._next_payload())
        packet.pts = self._pts
        packet.time_base = _TIME_BASE
        self._pts += SAMPLES_PER_PACKET
        return packet

    async def _pause(self, secs: float, *, wake_on_audio: bool) -> bool:
        """Sleep ``secs``; with ``wake_on_audio``, :meth:`write` ends it early once a packet's worth waits (True)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_later(secs, _resolve, waiter)
        self._audio_waiter = waiter if wake_on_audio else None
        try:
            return await waiter
        finally:
            timer.cancel()
            self._audio_waiter = None

    @property
    def _packet_bytes(self) -> int:
        return self._rate // _PACKETS_PER_SEC * 2

    def _next_payload(self) -> bytes:
        packet_bytes = self._packet_bytes
        self._silent = not self._pcm or self.readyState != "live"
        if self._silent:
            self.silence_sent += 1
            return SILENCE_PACKET
        chunk = bytes(self._pcm[:packet_bytes])
        del self._pcm[:packet_bytes]
        if len(chunk) < packet_bytes:  # the end of an utterance
            chunk += bytes(packet_bytes - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=packet_bytes // 2)
        frame.planes[0].update(chunk)
        frame.sample_rate = self._rate
        frame.pts = self._pts * self._rate // OPUS_RATE
        frame.time_base = fractions.Fraction(1, self._rate)
        payload = b"".join(bytes(packet) for packet in self._encoder().encode(frame))
        self.packets_sent += 1
        return payload or SILENCE_PACKET

    def _encoder(self) -> av.AudioCodecContext:
        if self._codec is None:
            codec = av.CodecContext.create("libopus", "w")
            codec.sample_rate = self._rate
            codec.layout = "mono"
            codec.format = "s16"
            codec.bit_rate = self._bitrate
            codec.time_base = fractions.Fraction(1, self._rate)
            codec.options = {"application": "voip"}
            self._codec = codec
        return self._codec


def _resolve(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)
