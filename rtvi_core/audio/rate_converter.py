"""``RateConverter``: brings audio arriving at any rate to one fixed rate."""

from __future__ import annotations

import logging

from .resample import StreamResampler

logger = logging.getLogger("rtvi_core.audio")

#: Source rates whose filter state is kept; the least recently used beyond them is dropped.
MAX_SOURCE_RATES = 4


class RateConverter:
    """Converts a stream of PCM16 chunks to ``target_rate``, whatever rate each chunk has.

    Keeps one :class:`StreamResampler` for each of the last :data:`MAX_SOURCE_RATES`
    source rates used (a stream switching among more rates loses the filter state of
    the least recently used one, never memory). The default soxr quality ("MQ") keeps
    the stream's delay at 15–30 ms for speech rates ("HQ": 20–65 ms). Without soxr
    installed the audio passes unconverted, with one warning (the transport still
    works, at the wrong pitch). :meth:`reset` drops filter state, e.g. after an
    interruption.
    """

    def __init__(
        self, target_rate: int, num_channels: int = 1, *, quality: str = "MQ", owner: object = "audio"
    ) -> None:
        self.target_rate = target_rate
        self.num_channels = num_channels
        self._owner = owner
        self._quality = quality
        self._resamplers: dict[int, StreamResampler] = {}  # least recently used first
        self._unavailable = False

    def convert(self, audio: bytes, sample_rate: int) -> bytes:
        """``audio`` (at ``sample_rate``) at the target rate."""
        if sample_rate == self.target_rate or self._unavailable or sample_rate <= 0:
            return audio
        resampler = self._resampler(sample_rate)
        try:
            return resampler.resample(audio)
        except ImportError as exc:
            self._unavailable = True
            logger.warning(
                "%s: audio at %d Hz passed to a %d Hz stream unconverted: %s",
                self._owner,
                sample_rate,
                self.target_rate,
                exc,
            )
            return audio

    def _resampler(self, sample_rate: int) -> StreamResampler:
        resamplers = self._resamplers
        resampler = resamplers.get(sample_rate)
        if resampler is None:
            if len(resamplers) >= MAX_SOURCE_RATES:
                del resamplers[next(iter(resamplers))]
            resampler = resamplers[sample_rate] = StreamResampler(
                sample_rate, self.target_rate, self.num_channels, self._quality
            )
        elif len(resamplers) > 1:  # now the most recently used
            resamplers[sample_rate] = resamplers.pop(sample_rate)
        return resampler

    def flush(self) -> bytes:
        """The audio still inside the filters (the end of a stream), then reset."""
        tail = b"".join(resampler.flush() for resampler in self._resamplers.values())
        self._resamplers.clear()
        return tail

    def reset(self) -> None:
        """Forget the filter state of every source rate."""
        self._resamplers.clear()
