"""``DeepgramSTTService``: Deepgram's live ``listen`` WebSocket API as an STT service."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    StartFrame,
    STTMuteFrame,
    TranscriptionFrame,
)
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.stt import STTService

from .errors import DeepgramError
from .log import logger
from .messages import Event, Results, SpeechStarted, UtteranceEnd
from .options import DEFAULT_BASE_URL, DEFAULT_LANGUAGE, DEFAULT_MODEL, ListenOptions, check_base_url
from .turn import TurnTranscript

if TYPE_CHECKING:
    from rtvi_core.runtime import ManagedTask

    from .session import ListenSession

DEFAULT_API_KEY_ENV = "DEEPGRAM_API_KEY"


class DeepgramSTTService(STTService, Component):
    """Streams the user's audio to ``<base_url>/v1/listen`` and pushes what Deepgram hears.

    Audio (PCM16 at the run's input rate) is sent as it arrives; interim results
    become ``InterimTranscriptionFrame``s, and each user turn one
    ``TranscriptionFrame``: its final segments, joined.

    With a VAD in the pipeline the VAD ends turns: when it says the user stopped (or
    the user is muted) a ``Finalize`` follows the audio, and its answer
    (``from_finalize``) completes the turn; without a VAD, Deepgram's endpointing
    (``speech_final``) does. ``UtteranceEnd`` completes a turn too. A ``Finalize``
    unanswered within ``timeout_secs`` completes the turn if no interim words await
    their final; otherwise it is also an error, the stream is opened again, and the
    interim words are dropped (never sent as final).

    The events ``on_speech_started`` and ``on_utterance_end`` fire with Deepgram's
    ``SpeechStarted`` (``vad_events``) and ``UtteranceEnd`` (``utterance_end_ms``).
    ``KeepAlive`` keeps a silent stream open; ``CloseStream`` ends it when the run
    ends, after its last results. Failures are non-fatal RTVI errors naming Deepgram
    (see :mod:`rtvi_deepgram.session` for reconnecting).
    """

    PLUGIN_NAME = "deepgram"
    DESCRIPTION = "Deepgram live streaming speech-to-text (interim results, endpointing, keyterms)"
    Config = LazyConfig("rtvi_deepgram.plugin:DeepgramSTTConfig")

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_key_env: str | None = DEFAULT_API_KEY_ENV,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        language: str = DEFAULT_LANGUAGE,
        endpointing: int = 300,
        smart_format: bool = True,
        punctuate: bool = True,
        interim_results: bool = True,
        utterance_end_ms: int | None = None,
        vad_events: bool = False,
        keyterms: Sequence[str] = (),
        extra_params: Mapping[str, str | int | float | bool] | None = None,
        timeout_secs: float = 10.0,
        keepalive_secs: float = 5.0,
        max_reconnects: int = 5,
        reconnect_buffer_secs: float = 10.0,
        chunk_ms: int = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = check_base_url(base_url)
        self.options = ListenOptions(
            model=model,
            language=language,
            endpointing=endpointing,
            smart_format=smart_format,
            punctuate=punctuate,
            interim_results=interim_results,
            utterance_end_ms=utterance_end_ms,
            vad_events=vad_events,
            keyterms=tuple(keyterms),
            extra_params=dict(extra_params or {}),
        )
        self._api_key = api_key
        self._api_key_env = api_key_env or None
        self.timeout_secs = timeout_secs
        self.keepalive_secs = keepalive_secs
        self.max_reconnects = max_reconnects
        self.reconnect_buffer_secs = reconnect_buffer_secs
        if not 0 <= chunk_ms <= 250:
            raise ValueError(f"chunk_ms must be within 0..250 (Deepgram takes 20-250 ms a message), got {chunk_ms!r}")
        self.chunk_ms = chunk_ms
        self._chunk = bytearray()
        self._session: ListenSession | None = None
        self._session_task: ManagedTask | None = None
        self._turn = TurnTranscript()
        self._vad_seen = False  # a VAD ends this run's turns
        self._register_event_handler("on_speech_started")
        self._register_event_handler("on_utterance_end")

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        if self._api_key or not self._api_key_env:
            return "the [stt] api_key setting"
        return f"the environment variable {self._api_key_env} (or [stt] api_key)"

    @property
    def session(self) -> ListenSession | None:
        """The current run's stream (None between runs or without a key)."""
        return self._session

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Open the stream at the run's input rate (in the background: audio is buffered meanwhile)."""
        await super().start(frame)
        self._turn.discard()
        self._vad_seen = False
        self._chunk.clear()
        from rtvi_core.server.hosts import is_loopback  # only once a run starts

        key = self._api_key or (os.environ.get(self._api_key_env) if self._api_key_env else None)
        if not key and self._api_key_env and not is_loopback(urlsplit(self.base_url).hostname or ""):
            problem = f"Deepgram: no API key for {self.base_url}: set {self.key_source}"
            logger.error("%s: %s", self, problem)
            await self.push_error(problem)
            return
        from .session import ListenSession  # websockets, only once a run starts

        self._session = ListenSession(
            url=self.options.url(self.base_url, self.sample_rate),
            headers={"Authorization": f"Token {key}"} if key else {},
            key_source=self.key_source,
            timeout_secs=self.timeout_secs,
            keepalive_secs=self.keepalive_secs,
            max_reconnects=self.max_reconnects,
            buffer_bytes=int(self.reconnect_buffer_secs * self.sample_rate) * 2,
            on_event=self._on_event,
            on_error=self._on_error,
            on_connected=self._on_connected,
            on_unanswered=self._on_unanswered,
        )
        self._session_task = self.create_task(self._session.run(), "listen")

    async def stop(self, frame: EndFrame) -> None:
        """Send the queued audio, then ``CloseStream``; push the last final segments."""
        self._send_chunk()
        await super().stop(frame)
        session = self._session
        if session is not None:
            await session.close()
        await self._end_session()
        await self._complete_turn(None)

    async def cancel(self, frame: CancelFrame) -> None:
        """Drop the stream at once; nothing of the turn in progress is pushed."""
        await super().cancel(frame)
        await self._end_session()
        self._turn.discard()

    async def _end_session(self) -> None:
        task, self._session_task, self._session = self._session_task, None, None
        if task is not None:
            await self.cancel_task(task, timeout=self.timeout_secs)

    # -- audio and turns ----------------------------------------------------------------

    def process_audio_frame(self, frame: InputAudioRawFrame) -> None:
        """Gather the user's audio into ``chunk_ms`` messages (one WebSocket message per
        frame costs the server a send each; Deepgram takes 20-250 ms a message)."""
        chunk = self._chunk
        chunk += frame.audio
        if len(chunk) * 1000 >= self.chunk_ms * 2 * self.sample_rate:
            self._send_chunk()

    def _send_chunk(self) -> None:
        if self._chunk:
            self.transcribe(bytes(self._chunk))
            self._chunk.clear()

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        """Send ``audio`` (an odd trailing byte is dropped, empty audio never sent); yields nothing."""
        if len(audio) % 2:
            audio = audio[:-1]
        session = self._session
        if audio and session is not None:
            await session.send_audio(audio)
        return
        yield  # pragma: no cover - makes this an async generator

    async def on_user_started_speaking(self) -> None:
        """With a VAD, turns end when it says so, not at Deepgram's endpointing."""
        self._vad_seen = True

    async def on_user_stopped_speaking(self) -> None:
        """Finalize the turn once the audio before the VAD's stop is sent."""
        self._vad_seen = True
        await self.start_ttfb_metrics()
        self._send_chunk()
        self.queue_step(self._finalize)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, STTMuteFrame) and frame.mute and not self.is_muted:
            self._send_chunk()
            self.queue_step(self._finalize)  # what was said before muting is finalized
        await super().process_frame(frame, direction)

    async def _finalize(self) -> None:
        session = self._session
        if session is not None:
            await session.finalize()

    # -- what the stream delivers -----------------------------------------------------------

    async def _on_connected(self) -> None:
        self._turn.new_stream()

    async def _on_unanswered(self) -> DeepgramError | None:
        """Complete the turn with its final segments; an error if interim words are lost."""
        lost = self._turn.awaiting_words
        await self._complete_turn(None)
        if not lost:
            return None
        return DeepgramError(
            f"Deepgram did not finalize the transcript within {self.timeout_secs:g} s (timeout_secs); "
            "the last words of this turn are lost, say them again"
        )

    async def _on_error(self, error: DeepgramError) -> None:
        await self.push_error(str(error), exception=error)

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, Results):
            await self._on_results(event)
        elif isinstance(event, UtteranceEnd):
            await self._complete_turn(None)
            self._fire_event_handler("on_utterance_end", event)
        elif isinstance(event, SpeechStarted):
            self._fire_event_handler("on_speech_started", event)

    async def _on_results(self, result: Results) -> None:
        if not result.is_final:
            text = self._turn.interim(result)
            if text is not None:
                frame = InterimTranscriptionFrame(text=text, language=self._language(result), result=result.raw)
                await self.push_transcription(frame)
            return
        if not self._turn.add_final(result):
            logger.debug("%s: final result for audio already finalized skipped: %s", self, result.raw)
            return
        if result.from_finalize or (result.speech_final and not self._vad_seen):
            await self._complete_turn(result)

    async def _complete_turn(self, result: Results | None) -> None:
        text = self._turn.complete()
        if text is not None:
            language = self._language(result)
            await self.push_transcription(
                TranscriptionFrame(text=text, language=language, result=result and result.raw)
            )

    def _language(self, result: Results | None) -> str | None:
        if result is not None and result.language:
            return result.language
        return None if self.options.language == "multi" else self.options.language
