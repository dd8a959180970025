"""``EspeakTTSService``: fast offline text-to-speech with espeak-ng (GPL-3.0-or-later)."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Any

import anyio.to_thread

from rtvi_core.audio import StreamResampler, resample_once
from rtvi_core.frames import StartFrame
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.tts import TTSService, WordTimestamp

from .engine import EspeakEngine, VoiceSettings, get_engine
from .log import logger
from .text import clean_text, split_for_synthesis, word_times


class EspeakTTSService(TTSService, Component):
    """Speaks each sentence with libespeak-ng (loaded through ctypes), resampled from
    22050 Hz to the output rate, with espeak-ng's word events as word timings.

    ``voice``: an espeak-ng voice (``"en-us"``, ``"fr"``, ``"en-us+f3"``; see
    ``python -m rtvi_espeak voices``). ``rate``: words per minute (80–450).
    ``pitch``: 0–100. ``library``: ``"auto"`` (the espeakng-loader wheel, else the
    system's libespeak-ng.so.1) or the path of a libespeak-ng shared library.
    ``sample_rate``: output rate (None: the run's). ``word_timestamps``: push the text
    word by word in time with the audio (else sentence by sentence).

    The library is loaded (once per process) and the voice checked at the
    StartFrame; a failure there is reported as an error frame, and every sentence
    then fails with the same error. Text is always spoken as plain text: SSML
    and espeak-ng's ``[[phoneme]]`` input are not interpreted.
    """

    PLUGIN_NAME = "espeak"
    DESCRIPTION = "espeak-ng: fast offline TTS with word timings (GPL-3.0-or-later)"
    Config = LazyConfig("rtvi_espeak.plugin:EspeakTTSConfig")

    def __init__(
        self,
        *,
        voice: str = "en-us",
        rate: int = 175,
        pitch: int = 50,
        library: str = "auto",
        word_timestamps: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.settings = VoiceSettings(voice, rate, pitch)
        self.library = library
        self._word_timestamps = word_timestamps
        self._engine: EspeakEngine | None = None
        self._failure: Exception | None = None

    async def start(self, frame: StartFrame) -> None:
        """Load the library (once per process), check the voice, load the resampler."""
        await super().start(frame)
        started = time.perf_counter()
        try:
            engine = await anyio.to_thread.run_sync(get_engine, self.library)
            await engine.check_voice(self.settings.voice)
            if engine.sample_rate != self.sample_rate:
                # Imports soxr and numpy (≈ 150 ms) off the event loop, before the first sentence.
                await anyio.to_thread.run_sync(resample_once, bytes(2), engine.sample_rate, self.sample_rate)
        except Exception as exc:
            self._engine, self._failure = None, exc
            logger.error("%s cannot speak: %s", self, exc)
            await self.push_error(f"{self} cannot start: {exc}", exception=exc)
            return
        self._engine, self._failure = engine, None
        logger.debug(
            "%s ready: espeak-ng %s, voice %s, %d → %d Hz (%.1f ms)",
            self, engine.library.version, self.settings.voice, engine.sample_rate,
            self.sample_rate, 1e3 * (time.perf_counter() - started),
        )  # fmt: skip

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Synthesize ``text`` in short calls; yield word timings, then each call's audio."""
        engine = self._engine
        if engine is None:
            raise RuntimeError(f"espeak-ng is not available: {self._failure or 'not started'}")
        resampler = StreamResampler(engine.sample_rate, self.sample_rate)
        offset = 0.0  # seconds of audio before the current call
        for piece in split_for_synthesis(clean_text(text)):
            result = await engine.synthesize(piece, self.settings)
            if self._word_timestamps:
                for word, secs in word_times(piece, result.words, engine.sample_rate):
                    yield WordTimestamp(word, offset + secs)
            offset += len(result.pcm) / (2 * engine.sample_rate)
            audio = resampler.resample(result.pcm)
            if audio:
                yield audio
        tail = resampler.flush()
        if tail:
            yield tail
