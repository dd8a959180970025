"""Sample-rate conversion of PCM16 audio with soxr (an optional dependency).

The transports' base classes resample audio that arrives at another rate than
theirs (through :class:`~rtvi_core.audio.RateConverter`); TTS/STT plugins use these
helpers directly. soxr (and numpy) are imported on first use, so a bot that never
meets another rate never loads them; plugins that do depend on ``soxr``.
"""

from __future__ import annotations

from typing import Any


def _soxr() -> tuple[Any, Any]:
    try:
        import numpy
        import soxr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("resampling audio needs the soxr package: pip install soxr") from exc
    return soxr, numpy


def preload() -> bool:
    """Import soxr and numpy now, if installed; False when they are not.

    Importing them takes a few hundred milliseconds: a server calls this before it
    listens, so the first client whose audio needs resampling does not stall the
    event loop (and every session on it) for that long.
    """
    try:
        _soxr()
    except ImportError:
        return False
    return True


class StreamResampler:
    """Converts a stream of mono or interleaved PCM16 chunks from one rate to another.

    Keeps the filter state between chunks, so a stream cut into chunks converts
    without clicks at the seams. Call :meth:`flush` at the end of the stream (an
    utterance) to get the filter's tail; the resampler can then be reused.
    """

    def __init__(self, in_rate: int, out_rate: int, num_channels: int = 1, quality: str = "HQ") -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} → {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.num_channels = num_channels
        self._quality = quality
        self._stream: Any = None
        self._odd = b""

    def resample(self, pcm: bytes) -> bytes:
        """The converted audio for ``pcm`` (may be shorter or empty at the start)."""
        if self.in_rate == self.out_rate:
            return pcm
        return self._run(pcm, last=False)

    def flush(self) -> bytes:
        """The remaining converted audio; resets the stream."""
        if self.in_rate == self.out_rate or self._stream is None:
            self._odd = b""
            return b""
        out = self._run(b"", last=True)
        self._stream = None
        return out

    def _run(self, pcm: bytes, last: bool) -> bytes:
        soxr, numpy = _soxr()
        if self._stream is None:
            self._stream = soxr.ResampleStream(
                self.in_rate, self.out_rate, self.num_channels, dtype="int16", quality=self._quality
            )
        frame_bytes = 2 * self.num_channels
        data = self._odd + pcm
        whole = len(data) - len(data) % frame_bytes
        self._odd = b"" if last else data[whole:]
        samples = numpy.frombuffer(data[:whole], dtype="<i2")
        if self.num_channels > 1:
            samples = samples.reshape(-1, self.num_channels)
        out: bytes = self._stream.resample_chunk(samples, last=last).astype("<i2", copy=False).tobytes()
        return out


def resample_once(pcm: bytes, in_rate: int, out_rate: int, num_channels: int = 1) -> bytes:
    """Convert one complete PCM16 buffer (e.g. a whole sentence) in a single call."""
    if in_rate == out_rate:
        return pcm
    resampler = StreamResampler(in_rate, out_rate, num_channels)
    return resampler.resample(pcm) + resampler.flush()
