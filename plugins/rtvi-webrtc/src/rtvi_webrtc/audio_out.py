"""The bot's voice as a WebRTC track: Opus packets encoded here, paced at real time.

aiortc's sender pulls ``recv()`` as fast as it returns. Given an ``av.Packet`` it
sends it as is, skipping its own encoder (stereo, 96 kbit/s, run in a thread-pool hop per
frame) and its per-sample audio-level loop. So the track encodes mono Opus itself, one
20 ms frame per call, and sleeps until that frame's time. When the bot is silent it sends
a canned 3-byte Opus silence frame instead of encoding zeros (RTP keeps flowing, as
browsers expect, for next to no CPU).
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from typing import Any, Final

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

#: Opus in WebRTC runs at 48 kHz; one packet is 20 ms.
OPUS_RATE: Final = 48000
SAMPLES_PER_PACKET: Final = 960
_PACKET_BYTES: Final = SAMPLES_PER_PACKET * 2  # mono s16
_TIME_BASE: Final = fractions.Fraction(1, OPUS_RATE)
#: An Opus packet of 20 ms of digital silence (TOC 0xf8: CELT full band, 20 ms, one frame).
SILENCE_PACKET: Final = b"\xf8\xff\xfe"
#: How late ``recv()`` may fall behind its schedule (a stalled loop) before the schedule
#: moves to now: the client then hears a gap rather than a burst.
_MAX_LATE_SECS: Final = 0.1


class BotAudioTrack(MediaStreamTrack):
    """Outbound audio: PCM written by the pipeline, played as mono Opus at 48 kHz.

    :meth:`write` takes PCM16 at any rate (resampled to 48 kHz mono); at most
    ``max_buffered_secs`` of it waits (the oldest is dropped beyond: the pipeline paces
    its writes, so only a peer that stopped pulling lets audio pile up). :meth:`clear`
    drops what waits, at once (an interruption). :meth:`stop` also releases the encoder and
    the resampler at once: each holds native worker threads (FFmpeg's, two apiece) that
    would otherwise live until the cyclic GC frees the ended session.
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
        self._codec: av.AudioCodecContext | None = av.CodecContext.create("libopus", "w")
        self._codec.sample_rate = OPUS_RATE
        self._codec.layout = "mono"
        self._codec.format = "s16"
        self._codec.bit_rate = bitrate
        self._codec.time_base = _TIME_BASE
        self._codec.options = {"application": "voip"}
        self._resampler: av.AudioResampler | None = None
        self._resampler_input: tuple[int, int] = (0, 0)
        self._pcm = bytearray()  # 48 kHz mono s16 waiting to be encoded
        self._max_bytes = int(max_buffered_secs * OPUS_RATE) * 2
        self._clock = clock
        self._start: float | None = None
        self._pts = 0
        self.packets_sent = 0
        self.silence_sent = 0

    @property
    def buffered_secs(self) -> float:
        """Seconds of audio written and not yet sent."""
        return len(self._pcm) / 2 / OPUS_RATE

    def write(self, pcm: bytes, sample_rate: int, channels: int = 1) -> None:
        """Queue ``pcm`` (signed 16-bit, interleaved) for playback."""
        samples = len(pcm) // (2 * channels)
        if samples == 0:
            return
        if sample_rate == OPUS_RATE and channels == 1:
            self._pcm += pcm[: samples * 2]
        else:
            frame = av.AudioFrame(format="s16", layout="mono" if channels == 1 else "stereo", samples=samples)
            frame.planes[0].update(pcm[: samples * 2 * channels])
            frame.sample_rate = sample_rate
            for out in self._resample(frame, sample_rate, channels):
                self._pcm += bytes(out.planes[0])[: out.samples * 2]
        overflow = len(self._pcm) - self._max_bytes
        if overflow > 0:
            del self._pcm[: overflow + overflow % 2]

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
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
            self._resampler_input = (sample_rate, channels)
        return self._resampler.resample(frame)

    async def recv(self) -> av.Packet[Any]:
        """The next 20 ms packet, when it is due."""
        if self.readyState != "live":
            raise MediaStreamError
        now = self._clock()
        if self._start is None:
            self._start = now
        due = self._start + self._pts / OPUS_RATE
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > _MAX_LATE_SECS:
            self._start = now - self._pts / OPUS_RATE
        packet = av.Packet(self._next_payload())
        packet.pts = self._pts
        packet.time_base = _TIME_BASE
        self._pts += SAMPLES_PER_PACKET
        return packet

    def _next_payload(self) -> bytes:
        if not self._pcm or self._codec is None:
            self.silence_sent += 1
            return SILENCE_PACKET
        chunk = bytes(self._pcm[:_PACKET_BYTES])
        del self._pcm[:_PACKET_BYTES]
        if len(chunk) < _PACKET_BYTES:  # the end of an utterance
            chunk += bytes(_PACKET_BYTES - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=SAMPLES_PER_PACKET)
        frame.planes[0].update(chunk)
        frame.sample_rate = OPUS_RATE
        frame.pts = self._pts
        frame.time_base = _TIME_BASE
        payload = b"".join(bytes(packet) for packet in self._codec.encode(frame))
        self.packets_sent += 1
        return payload or SILENCE_PACKET
