"""``Turn``: one utterance transcribed while it is spoken: its audio window and its words.

The window holds the audio since the last trim (PCM16 at the input rate); a long turn
is trimmed at a quiet point (:func:`quiet_cut`), the audio before it decoded once more
as a whole and its words made prompt (:meth:`Agreement.close_window`), so that each
decode stays bounded however long the user talks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agreement import Agreement

if TYPE_CHECKING:
    from .decoder import Decoded

#: The length of the stretch whose loudness :func:`quiet_cut` compares.
QUIET_SECS = 0.2
#: Audio quieter than this fraction of the turn's loudest chunk (RMS) is a pause.
PAUSE_LEVEL = 0.1


def quiet_cut(pcm: bytes, rate: int, lo: float = 0.5, hi: float = 0.9) -> int:
    """The byte offset of the quietest :data:`QUIET_SECS` stretch between fractions ``lo``
    and ``hi`` of ``pcm`` (its middle): where a pause between words most likely is."""
    import numpy

    samples = numpy.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(numpy.float32)
    size = max(1, int(QUIET_SECS * rate) // 4)  # quarter steps
    first, last = int(len(samples) * lo) // size, int(len(samples) * hi) // size
    if last - first < 4:
        return len(samples) // 2 * 2
    energy = numpy.add.reduceat(samples[: last * size] ** 2, numpy.arange(0, last * size, size))
    windows = numpy.convolve(energy, numpy.ones(4), mode="valid")  # QUIET_SECS each
    best = first + int(numpy.argmin(windows[first : last - 3]))
    return (best * size + 2 * size) * 2  # the middle of the quietest stretch, in bytes


class Turn:
    """The audio and words of one utterance (``rate``: the input's; ``pre_roll``: audio before the VAD start)."""

    def __init__(self, rate: int, pre_roll: bytes = b"") -> None:
        self.rate = rate
        #: Audio since the last trim.
        self.window = bytearray(pre_roll)
        #: Bytes of the turn's audio, all of it, and at the end of the latest decode's window.
        self.received = len(pre_roll)
        self.decoded = 0
        self.agreement = Agreement()
        #: An interim decode of this turn is queued or running (never more than one).
        self.decode_queued = False
        #: The turn was abandoned (muted, cancelled, ended): no more decodes.
        self.done = False
        #: :attr:`received` at the VAD's stop while the turn is paused (None while the user speaks),
        #: at the start of the current speech segment, and when its audio was last counted as usage.
        self.paused_at: int | None = None
        self.segment_start = 0
        self.billed = 0
        #: The text of the last interim result pushed.
        self.last_interim = ""
        #: The loudest chunk's RMS, and how long the audio has been quieter than ``PAUSE_LEVEL`` of it.
        self.peak = 0.0
        self.quiet_secs = 0.0
        #: The latest decode, and its language; whether it decoded the window whole (no
        #: forced prefix: the final may be taken from it).
        self.latest: Decoded | None = None
        self.latest_whole = False
        self.language = ""

    def add(self, audio: bytes) -> None:
        """Append the user's audio."""
        self.window += audio
        self.received += len(audio)
        level = _rms(audio)
        self.peak = max(self.peak, level)
        self.quiet_secs = self.quiet_secs + self.secs(len(audio)) if level < PAUSE_LEVEL * self.peak else 0.0

    def pause(self) -> None:
        """The VAD stopped: the speech segment ended (the turn may go on)."""
        self.paused_at = self.received

    def resume(self) -> None:
        """The VAD heard speech again: a new segment of the same turn."""
        self.paused_at = None
        self.segment_start = self.received

    @property
    def paused_secs(self) -> float:
        """How long the turn has been paused (0 while the user speaks)."""
        return 0.0 if self.paused_at is None else self.secs(self.received - self.paused_at)

    @property
    def pause_undecoded(self) -> bool:
        """The user paused (:attr:`quiet_secs`) and no decode has heard the start of the pause."""
        return self.quiet_secs > 0 and self.undecoded_secs >= self.quiet_secs

    def secs(self, nbytes: int) -> float:
        """``nbytes`` of PCM16 in seconds."""
        return nbytes / (2 * self.rate)

    @property
    def undecoded_secs(self) -> float:
        """Audio since the latest decode's window ended."""
        return self.secs(self.received - self.decoded)

    @property
    def window_secs(self) -> float:
        """The window's length."""
        return self.secs(len(self.window))

    def offset(self, at: int) -> int:
        """The window's byte offset of the turn's byte ``at`` (counted like :attr:`received`)."""
        return len(self.window) - (self.received - at)

    def cut(self, offset: int) -> bytes:
        """Remove and return the window's first ``offset`` bytes (even)."""
        head = bytes(self.window[:offset])
        del self.window[:offset]
        return head


def _rms(audio: bytes) -> float:
    """The root mean square of PCM16 ``audio``."""
    import numpy

    samples = numpy.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2").astype(numpy.float32)
    return float(numpy.sqrt(numpy.mean(samples * samples))) if samples.size else 0.0
