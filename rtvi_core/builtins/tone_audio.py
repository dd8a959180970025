"""The tone TTS's audio (``ToneTTSService``, ``tone_tts.py``): one deterministic tone per word.

Standard library only, with no import from rtvi_core, so that the Pipecat side of the
``phone_calls`` benchmark (``benchmarks/phone/tones.py``, in a venv without rtvi_core) loads
this very file by its path and both bots send the same audio for the same words.
"""

from __future__ import annotations

import math
import sys
import zlib
from array import array
from functools import lru_cache

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
