"""rtvi_core's tone TTS audio (``rtvi_core/builtins/tone_tts.py``), standard library only,
for the Pipecat side of the phone_calls benchmark: the same tone for the same word, with
the same lengths (a base plus a step per letter, then a gap), so both bots send the same
amount of audio per answer."""

from __future__ import annotations

import math
import sys
import zlib
from array import array
from functools import lru_cache

# the constants of rtvi_core.builtins.tone_tts
WORD_BASE_SECS = 0.060
LETTER_SECS = 0.045
MAX_WORD_LETTERS = 24
GAP_SECS = 0.040
FADE_SECS = 0.008
AMPLITUDE = 9000
BASE_HZ = 220.0
TILE_SECS = 0.1


def word_tone(word: str, sample_rate: int) -> bytes:
    """Mono PCM16 of one word: its tone, then the gap."""
    letters = min(sum(map(str.isalnum, word)), MAX_WORD_LETTERS)
    return _tone(zlib.crc32(word.lower().encode()) % 24, letters, sample_rate)


@lru_cache(maxsize=64)
def _tone(semitone: int, letters: int, sample_rate: int) -> bytes:
    length = round((WORD_BASE_SECS + LETTER_SECS * letters) * sample_rate)
    gap = round(GAP_SECS * sample_rate)
    fade = max(1, min(round(FADE_SECS * sample_rate), length // 2))
    cycles = round(BASE_HZ * 2 ** (semitone / 12) * TILE_SECS)
    size = round(TILE_SECS * sample_rate)
    step = 2 * math.pi * cycles / size
    tile = array("h", [int(AMPLITUDE * math.sin(step * i)) for i in range(size)])
    pcm = tile * (length // size + 1)
    del pcm[length:]
    for i in range(fade):
        pcm[i] = pcm[i] * (i + 1) // fade
        pcm[length - 1 - i] = pcm[length - 1 - i] * (i + 1) // fade
    pcm.extend(array("h", bytes(2 * gap)))
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()
