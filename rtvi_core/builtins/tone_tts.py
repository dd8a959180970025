"""``ToneTTSService``: a dependency-free stand-in TTS that "speaks" in tones (``tone_audio.py``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import anyio

from ..component import Component, LazyConfig
from ..services.tts import TTSService, WordTimestamp
from .tone_audio import AMPLITUDE as AMPLITUDE
from .tone_audio import BASE_HZ as BASE_HZ
from .tone_audio import FADE_SECS as FADE_SECS
from .tone_audio import GAP_SECS as GAP_SECS
from .tone_audio import LETTER_SECS as LETTER_SECS
from .tone_audio import MAX_WORD_LETTERS as MAX_WORD_LETTERS
from .tone_audio import WORD_BASE_SECS as WORD_BASE_SECS
from .tone_audio import word_tone as word_tone


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
