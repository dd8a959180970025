"""``VoiceMetricsObserver``: one session's voice latency and errors, read off its frames.

The services time their first byte only when the task reports metrics
(``enable_metrics``, which also sends ``metrics`` messages to the client); this observer
times the same intervals from the frames they push anyway, on the task's clock:

* STT: the VAD's end of speech (``VADUserStoppedSpeakingFrame``) → the STT's next final
  ``TranscriptionFrame`` (a streaming STT that finalized before the VAD stopped gives
  none for that turn);
* LLM first token: the LLM's ``LLMFullResponseStartFrame`` → its first ``LLMTextFrame``;
* TTS first audio: the TTS's ``TTSStartedFrame`` → its first ``TTSAudioRawFrame``;
* voice-to-voice: the end of the user's speech (the VAD's stop, less the ``stop_secs`` of
  silence it waited for) → the output's ``BotStartedSpeakingFrame``.

A new ``VADUserStartedSpeakingFrame`` (the user goes on) drops the pending STT and
voice-to-voice measurements. Each frame is looked at once, on its first hop (its push
by the processor that made it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtvi_core.frames import (
    BotStartedSpeakingFrame,
    ErrorFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.observers import BaseObserver
from rtvi_core.services.llm import LLMService
from rtvi_core.services.stt import STTService
from rtvi_core.services.tts import TTSService

from .labels import error_type

if TYPE_CHECKING:
    from rtvi_core.observers import FramePushed

    from .metrics import ServerMetrics

_NS = 1e-9


class VoiceMetricsObserver(BaseObserver):
    """Observes one session's frames into ``metrics`` (its voice latency histograms and error counter)."""

    frame_types = (
        TTSAudioRawFrame,
        LLMTextFrame,
        TranscriptionFrame,
        VADUserStartedSpeakingFrame,
        VADUserStoppedSpeakingFrame,
        LLMFullResponseStartFrame,
        LLMFullResponseEndFrame,
        TTSStartedFrame,
        TTSStoppedFrame,
        BotStartedSpeakingFrame,
        ErrorFrame,
    )

    def __init__(self, metrics: ServerMetrics) -> None:
        self.metrics = metrics
        self._seen = self.seen_key = f"_rtvi_prometheus_{id(self)}"  # each frame once: on its first hop
        self._speech_end: int | None = None  # the VAD's stop, while the transcript is awaited
        self._silence_from: int | None = None  # the end of the user's speech, while the bot's audio is awaited
        self._llm_start: int | None = None
        self._tts_start: int | None = None

    async def on_push_frame(self, data: FramePushed) -> None:
        frame, source, now = data.frame, data.source, data.timestamp
        frame.__dict__[self._seen] = True
        metrics = self.metrics
        if isinstance(frame, TTSAudioRawFrame):
            if self._tts_start is not None and isinstance(source, TTSService):
                metrics.tts_first_audio_seconds.observe((now - self._tts_start) * _NS)
                self._tts_start = None
        elif isinstance(frame, LLMTextFrame):
            if self._llm_start is not None and isinstance(source, LLMService):
                metrics.llm_first_token_seconds.observe((now - self._llm_start) * _NS)
                self._llm_start = None
        elif isinstance(frame, TranscriptionFrame):
            if self._speech_end is not None and isinstance(source, STTService):
                metrics.stt_seconds.observe((now - self._speech_end) * _NS)
                self._speech_end = None
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speech_end = now
            self._silence_from = now - int(frame.stop_secs * 1e9)
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self._speech_end = self._silence_from = None
        elif isinstance(frame, BotStartedSpeakingFrame):
            if self._silence_from is not None:
                metrics.voice_to_voice_seconds.observe((now - self._silence_from) * _NS)
                self._silence_from = None
        elif isinstance(frame, ErrorFrame):
            metrics.errors.labels(metrics.bot, error_type(frame, source)).inc()
        elif isinstance(source, LLMService):  # the LLM's response starts or ends
            self._llm_start = now if isinstance(frame, LLMFullResponseStartFrame) else None
        elif isinstance(source, TTSService):  # the TTS's speech starts or stops
            self._tts_start = now if isinstance(frame, TTSStartedFrame) else None
