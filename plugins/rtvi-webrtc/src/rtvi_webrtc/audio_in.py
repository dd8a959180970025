"""The user's microphone track, read into the pipeline at its input rate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .log import logger

logger = logger.getChild("audio_in")

#: What receives the user's audio: PCM16 mono at ``rate`` (the input transport's ``push_audio``).
AudioSink = Callable[[bytes, int], Awaitable[None]]


class MicrophoneReader:
    """Decoded frames of a remote audio track → mono PCM16 at ``rate`` → ``sink``.

    aiortc decodes Opus in a thread of its own into 48 kHz stereo frames; each is
    converted here (PyAV's resampler: downmix and rate in one step) and handed to the
    sink. :meth:`run` returns when the track ends, and releases the resampler then (its
    FFmpeg filter graph holds two native worker threads; the session's objects may wait for
    the cyclic GC).
    """

    def __init__(self, track: MediaStreamTrack, rate: int, sink: AudioSink) -> None:
        self._track = track
        self._rate = rate
        self._sink = sink
        self._resampler: av.AudioResampler | None = av.AudioResampler(format="s16", layout="mono", rate=rate)
        self.frames = 0

    async def run(self) -> None:
        """Read until the track ends (or the task is cancelled)."""
        try:
            await self._read()
        finally:
            self._resampler = None

    async def _read(self) -> None:
        while self._resampler is not None:
            try:
                frame = await self._track.recv()
            except MediaStreamError:
                logger.debug("microphone track %s ended", self._track.id)
                return
            if not isinstance(frame, av.AudioFrame):
                continue  # an audio track yields audio frames
            self.frames += 1
            for out in self._resampler.resample(frame):
                await self._sink(bytes(out.planes[0])[: out.samples * 2], self._rate)
