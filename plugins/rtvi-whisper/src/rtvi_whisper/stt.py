"""``WhisperSTTService``: VAD-gated utterances transcribed by faster-whisper on the CPU."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import anyio

from rtvi_core.audio import resample_once
from rtvi_core.frames import Frame, StartFrame, TranscriptionFrame
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.stt import SegmentedSTTService

from .loader import ModelKey, cached_model, load_model
from .locate import WhisperModelError, locate_model
from .log import logger

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


#: The rate Whisper models take; other input rates are resampled to it.
WHISPER_RATE = 16000


class WhisperSTTService(SegmentedSTTService, Component):
    """Transcribes each utterance (``VADUserStartedSpeakingFrame`` to ``...Stopped...``)
    with Whisper, and pushes one final ``TranscriptionFrame`` per non-empty result.

    The model is resolved when the service is built (:func:`~rtvi_whisper.locate.locate_model`:
    ``model`` is a packaged model name such as ``"tiny.en"``, a CTranslate2 model
    directory, or with ``download=True`` a faster-whisper name fetched from the hub)
    and loaded once per process for all sessions with the same settings: by
    :meth:`preload` (``rtvi run``, before it listens), else at the first StartFrame.
    Transcription runs in a worker thread; sessions share the model, and
    CTranslate2 runs up to ``num_workers`` transcriptions at once.

    ``language``: a language code, or ``None``/``"auto"`` to detect it (multilingual models).
    ``beam_size``: 1 is greedy decoding (fastest). ``no_speech_threshold``: segments
    Whisper finds more likely silent than this are dropped. ``min_segment_secs``:
    shorter utterances are not transcribed. Other keywords go to
    :class:`~rtvi_core.services.stt.SegmentedSTTService` (``pre_roll_secs``,
    ``sample_rate``, ``audio_passthrough``, ``name``).
    """

    PLUGIN_NAME = "whisper"
    DESCRIPTION = "Whisper speech-to-text on the CPU (faster-whisper), offline with tiny.en"
    Config = LazyConfig("rtvi_whisper.plugin:WhisperConfig")

    def __init__(
        self,
        *,
        model: str = "tiny.en",
        download: bool = False,
        language: str | None = "en",
        beam_size: int = 1,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        num_workers: int = 1,
        no_speech_threshold: float = 0.6,
        min_segment_secs: float = 0.2,
        initial_prompt: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._key = ModelKey(locate_model(model, download=download), compute_type, cpu_threads, num_workers)
        #: The model's name (``"tiny.en"``, or its directory's name), as metrics report it.
        self.model_name = self._key.location.name
        self._language = None if language == "auto" else language
        self._min_segment_secs = min_segment_secs
        self._options: dict[str, Any] = {
            "beam_size": beam_size,
            "no_speech_threshold": no_speech_threshold,
            "initial_prompt": initial_prompt,
            "without_timestamps": True,
            "condition_on_previous_text": False,
            "vad_filter": False,
        }
        self._model: WhisperModel | None = None

    async def start(self, frame: StartFrame) -> None:
        """Load the model (shared; in a worker thread), then start transcribing."""
        if self._model is None:
            try:
                self._model = await self._load()
            except WhisperModelError as exc:
                await self.push_error(f"{self}: {exc}", exception=exc, fatal=True)
        await super().start(frame)

    def preload(self) -> None:
        """Load the model into the process-wide cache (blocking), before any session."""
        load_model(self._key)

    @classmethod
    def check_installed(cls) -> None:
        """Raise :class:`WhisperModelError` naming the install command unless the bot-file
        default model is installed."""
        locate_model(cls.Config.model_fields["model"].default)

    async def _load(self) -> WhisperModel:
        cached = cached_model(self._key)
        model = cached if cached is not None else await anyio.to_thread.run_sync(load_model, self._key)
        language, known = self._language, model.supported_languages
        if language is not None and language not in known:
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise WhisperModelError(
                f"model {self.model_name!r} does not know language {language!r}; it supports {listed}"
            )
        return model

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        """Transcribe one utterance (PCM16 at :attr:`sample_rate`); yields its final transcript."""
        model = self._model
        if model is None:
            return  # loading failed and was reported
        if len(audio) % 2:
            raise ValueError(
                f"the utterance has an odd number of bytes ({len(audio)}): input audio must be "
                "16-bit PCM, 2 bytes per sample; it was not transcribed"
            )
        seconds = len(audio) / (2 * self.sample_rate)
        if seconds < self._min_segment_secs:
            logger.debug("%s: skipped a %.2f s utterance (min_segment_secs)", self, seconds)
            return
        text, language, segments = await anyio.to_thread.run_sync(
            self._transcribe, model, audio, self.sample_rate, abandon_on_cancel=True
        )
        if text:
            yield TranscriptionFrame(text=text, language=language, result=segments)

    def _transcribe(self, model: WhisperModel, audio: bytes, rate: int) -> tuple[str, str, list[Any]]:
        """Blocking: resample, decode, join the segments' text."""
        import numpy

        pcm = resample_once(audio, rate, WHISPER_RATE)
        samples = numpy.frombuffer(pcm, dtype="<i2").astype(numpy.float32) / 32768.0
        segments, info = model.transcribe(samples, language=self._language, **self._options)
        found = list(segments)  # a generator: decoding happens here
        return " ".join(s.text.strip() for s in found).strip(), info.language, found
