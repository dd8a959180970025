"""``ToneTTSService``: a dependency-free stand-in TTS that "speaks" in tones."""

from __future__ import annotations

import math
import sys
import zlib
from array import array
from collections.abc import AsyncGenerator
from functools import lru_cache
from typing import Any

import anyio

from ..component import Component, LazyConfig
from ..services.tts import TTSService, WordTimestamp

#: Tone length: a base plus a step per letter or digit of the word, counting at most
#: ``MAX_WORD_LETTERS`` (a longer word sounds 1.14 s, like a 24-letter one).
WORD_BASE_SECS = 0.060
LETTER_SECS = 0.045
MAX_WORD_LETTERS = 24
#: Silence after every word.
GAP_SECS = 0.040
#: Linear fade in and out of each tone (no clicks).
FADE_SECS = 0.008
#: Peak amplitude (of 32767).
AMPLITUDE = 9000
#: Tones are picked from two octaves of semitones above this frequency (each rounded
#: to a multiple of 10 Hz, so that a 100 ms tile holds whole cycles).
BASE_HZ = 220.0
_TILE_SECS = 0.1


class ToneTTSService(TTSService, Component):
    """Produces real PCM16 audio, one short tone per word, deterministically.

    A word sounds for ``WORD_BASE_SECS + LETTER_SECS`` per letter/digit (at most
    ``MAX_WORD_LETTERS`` of them) at a pitch derived from the word, followed by
    ``GAP_SECS`` of silence. The same text always gives the same bytes. Each word's
    audio is yielded as it is made, and making it costs no Python step per sample.

    ``word_timestamps``: report each word's timing (word mode) or not (sentence mode).
    ``realtime_factor``: wait this many times each word's audio length before
    yielding it (0: as fast as possible; 1: like a real-time synthesizer).
    """

    PLUGIN_NAME = "tone"
    DESCRIPTION = "Speaks in tones: real PCM, one deterministic tone per word"
    Config = LazyConfig("rtvi_core.builtins.plugin:ToneTTSConfig")

    def __init__(self, *, word_timestamps: bool = True, realtime_factor: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._word_timestamps = word_timestamps
        self._realtime_factor = realtime_factor

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Yield each word's timing (in word mode) and then its tone plus gap."""
        sample_rate = self.sample_rate
        samples = 0
        for word in text.split():
            if self._word_timestamps:
                yield WordTimestamp(word, samples / sample_rate)
            audio = word_tone(word, sample_rate)
            if self._realtime_factor:
                await anyio.sleep(self._realtime_factor * len(audio) / (2 * sample_rate))
            samples += len(audio) // 2
            yield audio


def word_tone(word: str, sample_rate: int) -> bytes:
    """The mono PCM16 audio of one word: its tone, then the gap."""
    letters = min(sum(map(str.isalnum, word)), MAX_WORD_LETTERS)
    return _tone(zlib.crc32(word.lower().encode()) % 24, letters, sample_rate)


@lru_cache(maxsize=64)
def _tone(semitone: int, letters: int, sample_rate: int) -> bytes:
    """A faded tone ``semitone`` steps above ``BASE_HZ`` for ``letters``, plus the gap.

    Repeats a cached tile of whole cycles: only the fades take a step per sample.
    """
    tone = round((WORD_BASE_SECS + LETTER_SECS * letters) * sample_rate)
    gap = round(GAP_SECS * sample_rate)
    fade = max(1, min(round(FADE_SECS * sample_rate), tone // 2))
    tile = _tile(semitone, sample_rate)
    pcm = tile * (tone // len(tile) + 1)
    del pcm[tone:]
    for i in range(fade):
        pcm[i] = pcm[i] * (i + 1) // fade
        pcm[tone - 1 - i] = pcm[tone - 1 - i] * (i + 1) // fade
    pcm.extend(array("h", bytes(2 * gap)))
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()


@lru_cache(maxsize=64)
def _tile(semitone: int, sample_rate: int) -> array[int]:
    """``_TILE_SECS`` of the tone ``semitone`` steps above ``BASE_HZ``: whole cycles, so it repeats seamlessly."""
    cycles = round(BASE_HZ * 2 ** (semitone / 12) * _TILE_SECS)
    size = round(_TILE_SECS * sample_rate)
    step = 2 * math.pi * cycles / size
    sin = math.sin
    return array("h", [int(AMPLITUDE * sin(step * i)) for i in range(size)])
