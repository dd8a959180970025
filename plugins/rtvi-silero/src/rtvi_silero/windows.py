"""``ResampledWindows``: a PCM16 stream at one rate cut into fixed windows at another."""

from __future__ import annotations

from rtvi_core.audio import StreamResampler


class ResampledWindows:
    """Resamples a mono PCM16 stream (soxr) and returns it in whole windows.

    Used by the analyzers whose model takes fixed windows at rates the stream may not
    have (Silero: 8/16 kHz; WebRTC: 8/16/32/48 kHz). The resampler's delay means
    the first windows come a few milliseconds late.
    """

    def __init__(self, in_rate: int, out_rate: int, window_samples: int) -> None:
        self._resampler = StreamResampler(in_rate, out_rate)
        self._pending = bytearray()
        self._size = 2 * window_samples

    def feed(self, pcm: bytes) -> list[bytes]:
        """The whole windows completed by ``pcm`` (often one, sometimes none or two)."""
        pending = self._pending
        pending += self._resampler.resample(pcm)
        size = self._size
        count = len(pending) // size
        windows = [bytes(pending[i * size : (i + 1) * size]) for i in range(count)]
        del pending[: count * size]
        return windows
