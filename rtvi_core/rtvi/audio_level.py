"""A cheap loudness meter for the ``user-audio-level`` / ``bot-audio-level`` events.

What it computes: the mean square of the 16-bit samples of the last 0.4 s of audio
(all channels together), as ``-0.691 + 10·log10(mean square / 32768²)`` — the
BS.1770 loudness formula **without** the K-weighting filter and gating, i.e. an
unweighted short-term level in dBFS (a full-scale sine reads about −3.7). That level
is mapped linearly from −110…−10 to 0…1 and clamped; silence is 0, and so is every
reading until the window holds 0.4 s of audio. Long frames are sampled with a
stride (at most ~256 samples per frame), which is plenty for a level meter.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from collections import deque

#: Length of the rolling window, in seconds.
WINDOW_SECS = 0.4
#: Loudness mapped to 0 and 1.
FLOOR_DB = -110.0
CEILING_DB = -10.0

_MAX_SAMPLES_PER_FRAME = 256
_FULL_SCALE_SQUARED = 32768.0 * 32768.0
_SWAP_BYTES = sys.byteorder == "big"


def mean_square(pcm: bytes) -> float:
    """Mean square of the s16le samples in ``pcm`` (strided on long buffers); 0 if empty."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) & ~1])
    if _SWAP_BYTES:
        samples.byteswap()
    count = len(samples)
    if not count:
        return 0.0
    if count > _MAX_SAMPLES_PER_FRAME:
        samples = samples[:: count // _MAX_SAMPLES_PER_FRAME]
        count = len(samples)
    energy: int = sum(map(operator.mul, samples, samples))
    return energy / count


def level_from_mean_square(value: float) -> float:
    """The 0..1 level of a mean square (see the module docstring)."""
    if value <= 0.0:
        return 0.0
    db = -0.691 + 10.0 * math.log10(value / _FULL_SCALE_SQUARED)
    level = (db - FLOOR_DB) / (CEILING_DB - FLOOR_DB)
    return 0.0 if level < 0.0 else 1.0 if level > 1.0 else level


class AudioLevelMeter:
    """Rolling 0.4 s loudness that asks to be reported at most once per period.

    :meth:`add` takes each audio frame with the pipeline clock (ns) and returns the
    current level when more than ``period_secs`` passed since the last report (the
    first frame always reports), else ``None``.
    """

    __slots__ = ("_chunks", "_last_report_ns", "_period_ns", "_secs", "_weighted")

    def __init__(self, period_secs: float) -> None:
        self._period_ns = int(period_secs * 1e9)
        self._last_report_ns: int | None = None
        self._chunks: deque[tuple[float, float]] = deque()  # (seconds, mean square)
        self._secs = 0.0
        self._weighted = 0.0  # sum of seconds × mean square over the window

    def add(self, pcm: bytes, sample_rate: int, num_channels: int, now_ns: int) -> float | None:
        """Feed one frame; returns the level to report, or None."""
        frames = len(pcm) // (2 * num_channels) if num_channels else 0
        secs = frames / sample_rate if sample_rate else 0.0
        if secs:
            square = mean_square(pcm)
            self._chunks.append((secs, square))
            self._secs += secs
            self._weighted += secs * square
            chunks = self._chunks
            # Drop the oldest chunks while the rest still fill the window.
            while self._secs - chunks[0][0] >= WINDOW_SECS:
                old_secs, old_square = chunks.popleft()
                self._secs -= old_secs
                self._weighted -= old_secs * old_square
        last = self._last_report_ns
        if last is not None and now_ns - last <= self._period_ns:
            return None
        self._last_report_ns = now_ns
        return self.level

    @property
    def level(self) -> float:
        """The window's level in 0..1 (0 until the window is full)."""
        if self._secs < WINDOW_SECS - 1e-9:
            return 0.0
        return level_from_mean_square(max(self._weighted, 0.0) / self._secs)
