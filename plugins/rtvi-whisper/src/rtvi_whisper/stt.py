"""``WhisperSTTService``: VAD-gated utterances transcribed by faster-whisper on the CPU."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import anyio

from rtvi_core.audio import resample_once
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    BotStartedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    StartFrame,
    STTMuteFrame,
    TranscriptionFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.stt import SegmentedSTTService

from .decoder import Decoded, WindowDecoder
from .loader import ModelKey, cached_model, load_model
from .locate import WhisperModelError, locate_model
from .log import logger
from .turn import Turn, quiet_cut

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


#: The rate Whisper models take; other input rates are resampled to it.
WHISPER_RATE = 16000

#: ``"incremental"``: decode while the user speaks; ``"segmented"``: once the user stopped.
Mode = Literal["incremental", "segmented"]

#: The latest interim decode is the final transcript when the audio after it is the VAD's
#: hang-over less this much (it covered the end of the speech and some of the pause).
REUSE_MARGIN_SECS = 0.1
#: A quiet stretch this long starts a decode at once (see ``Turn.quiet_secs``).
PAUSE_SECS = 0.15


class WhisperSTTService(SegmentedSTTService, Component):
    """Transcribes each utterance (``VADUserStartedSpeakingFrame`` to ``...Stopped...``)
    with Whisper, and pushes one final ``TranscriptionFrame`` per non-empty result.

    ``mode="incremental"`` (the default) decodes the utterance while it is spoken: every
    ``interim_every_secs`` of new audio the window is decoded again (in the background
    task, one decode at a time: none is queued while one is pending), words two
    consecutive decodes agree on are committed (:mod:`~rtvi_whisper.agreement`) and
    forced as the next decode's prefix, and each new hypothesis is pushed as an
    ``InterimTranscriptionFrame``. At the VAD's stop the final ``TranscriptionFrame`` is
    the latest decode when it already covered the speech (the audio after it is the
    VAD's hang-over), else one more decode of the window. The encoder gets the window's
    audio, not Whisper's fixed 30 s (:mod:`~rtvi_whisper.decoder`), and a window longer
    than ``max_window_secs`` is cut at its quietest point, the audio before it decoded
    whole and its words made the prompt of the rest (:mod:`~rtvi_whisper.turn`). Speech that
    resumes within ``join_pause_secs`` of the VAD's stop, before the bot starts speaking
    (``BotStartedSpeakingFrame``: the user's turn ended), goes on in the same window: its
    words are decoded after the audio and the final words before the pause (as a turn
    with a pause inside is heard: "what's the weather like ... in Paris?"), and its final
    gives the new words only. ``join_pause_secs=0`` decodes each VAD segment alone.
    ``mode="segmented"`` transcribes the whole utterance with faster-whisper's
    ``transcribe()`` once the user stopped (no interim results).

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
        mode: Mode = "incremental",
        interim_every_secs: float = 0.4,
        max_window_secs: float = 12.0,
        join_pause_secs: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in ("incremental", "segmented"):
            raise ValueError(f'mode must be "incremental" or "segmented", got {mode!r}')
        if interim_every_secs <= 0 or not 1 <= max_window_secs <= 25:
            raise ValueError(
                f"interim_every_secs must be > 0 and max_window_secs 1-25, got {interim_every_secs}, {max_window_secs}"
            )
        self.mode: Mode = mode
        self._interim_every_secs = interim_every_secs
        self._max_window_secs = max_window_secs
        if not 0 <= join_pause_secs <= 2:
            raise ValueError(f"join_pause_secs must be 0-2, got {join_pause_secs}")
        self._join_pause_secs = join_pause_secs
        self._decoder: WindowDecoder | None = None
        self._turn: Turn | None = None  # the utterance being spoken (incremental mode)
        self._stop_secs = 0.0  # the hang-over of the latest VAD stop
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
        if self._model is not None and self.mode == "incremental" and self._decoder is None:
            options = self._options
            self._decoder = WindowDecoder(
                self._model,
                language=self._language,
                beam_size=options["beam_size"],
                no_speech_threshold=options["no_speech_threshold"],
                initial_prompt=options["initial_prompt"],
            )
        self._turn = None
        await super().start(frame)

    async def stop(self, frame: EndFrame) -> None:
        """An utterance the VAD did not end is dropped (as in segmented mode); queued finals are drained."""
        self._drop_turn()
        await super().stop(frame)

    async def cancel(self, frame: CancelFrame) -> None:
        """Drop the utterance in progress; a decode still running is waited for, its result dropped."""
        self._drop_turn()
        await super().cancel(frame)

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
        segments, info = model.transcribe(whisper_samples(audio, rate), language=self._language, **self._options)
        found = list(segments)  # a generator: decoding happens here
        return " ".join(s.text.strip() for s in found).strip(), info.language, found

    # -- incremental mode -------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, VADUserStoppedSpeakingFrame):
            self._stop_secs = frame.stop_secs
        elif isinstance(frame, BotStartedSpeakingFrame) and self._turn is not None and self._turn.paused_at is not None:
            self._turn = None  # the user's turn ended: speech after this starts another
        elif isinstance(frame, STTMuteFrame) and frame.mute:
            self._drop_turn()  # muting drops the utterance in progress, as in segmented mode
        await super().process_frame(frame, direction)

    def process_audio_frame(self, frame: InputAudioRawFrame) -> None:
        """Segmented mode, or no utterance: buffer (the pre-roll). Else add the audio to
        the utterance and queue a decode when enough is new and none is pending; in a pause
        (the VAD stopped) only add it, until ``join_pause_secs`` have passed."""
        turn = self._turn
        if turn is not None and turn.paused_at is not None:
            super().process_audio_frame(frame)  # the pre-roll, should the turn not go on
            if turn.paused_secs >= self._join_pause_secs:
                self._turn = None
                return
        elif turn is None:
            super().process_audio_frame(frame)
            return
        turn.add(frame.audio)
        self._maybe_decode(turn)

    async def on_user_started_speaking(self) -> None:
        """Incremental mode: go on with the paused utterance, or start one with the pre-roll."""
        if self._decoder is None:
            await super().on_user_started_speaking()
        elif self._turn is None or self._turn.done or self._turn.received % 2:  # (bad audio: not joined)
            self._turn = Turn(self.sample_rate, self.take_buffered())
        elif self._turn.paused_at is not None:
            self.take_buffered()  # the turn's window holds that audio already
            self._turn.resume()

    async def on_user_stopped_speaking(self) -> None:
        """Incremental mode: pause the utterance and queue its final transcript (after its
        pending decode): the words since the previous final."""
        turn = self._turn
        if turn is None:
            await super().on_user_stopped_speaking()
            return
        if turn.paused_at is not None:
            return
        turn.pause()
        if self._join_pause_secs <= 0:
            self._turn = None
        if turn.secs(turn.received - turn.segment_start) < self._min_segment_secs:
            return
        await self.start_ttfb_metrics()
        self.add_usage(turn.secs(turn.received - turn.billed))
        turn.billed = turn.received
        self.queue_step(partial(self._finish, turn, self._stop_secs, turn.received))

    def _drop_turn(self) -> None:
        """Abandon the utterance being spoken; a paused one only ends (its final is queued)."""
        if self._turn is not None:
            if self._turn.paused_at is None:
                self._turn.done = True
            self._turn = None

    def _maybe_decode(self, turn: Turn) -> None:
        """Queue one interim decode of ``turn`` unless one is pending or too little audio is new;
        at the start of a pause at once (the decode that is likely to be the final)."""
        pause = turn.quiet_secs >= PAUSE_SECS and turn.pause_undecoded
        due = pause or turn.undecoded_secs >= self._interim_every_secs
        if due and not turn.decode_queued and not turn.done and turn.paused_at is None:
            turn.decode_queued = True
            self.queue_step(partial(self._interim, turn, pause))

    async def _interim(self, turn: Turn, whole: bool) -> None:
        """Background step: decode the window, bound it, push the hypothesis if it changed
        (``whole``, at a pause: the window decoded without the committed words forced)."""
        try:
            if turn.done or turn.received % 2:
                return
            await self._bound(turn)
            await self._decode_window(turn, "whole" if whole else "interim")
            text = turn.agreement.text()
            if text and text != turn.last_interim and not turn.done:
                turn.last_interim = text
                await self.push_transcription(InterimTranscriptionFrame(text=text, language=turn.language))
        finally:
            turn.decode_queued = False
        if turn is self._turn:
            self._maybe_decode(turn)  # audio that came during the decode

    async def _finish(self, turn: Turn, stop_secs: float, stop_at: int) -> None:
        """Background step: the final transcript of the speech up to ``stop_at`` (the VAD's
        stop), from the latest decode if it covered the speech; the words since the last final."""
        if turn.done:
            return
        if turn.received % 2:
            turn.done = True
            raise ValueError(
                f"the utterance has an odd number of bytes ({turn.received}): input audio must be "
                "16-bit PCM, 2 bytes per sample; it was not transcribed"
            )
        await self.start_processing_metrics()
        try:
            if not turn.latest_whole or turn.secs(stop_at - turn.decoded) > stop_secs - REUSE_MARGIN_SECS:
                await self._bound(turn)
                await self._decode_window(turn, "final", stop_at)
            text = turn.agreement.take_final()
            if not text and turn.segment_start and turn.agreement.final_prefix:
                await self._decode_segment_alone(turn, stop_at)
                text = turn.agreement.take_final()
            if turn.window_secs > self._max_window_secs / 2:  # the words so far become the prompt
                turn.cut(turn.offset(turn.decoded))
                turn.agreement.close_window([])
        finally:
            await self.stop_processing_metrics()
        if text:
            final = TranscriptionFrame(text=text, language=turn.language, result=[turn.latest])
            await self.push_transcription(final)

    async def _decode_segment_alone(self, turn: Turn, stop_at: int) -> None:
        """The decode after the final words heard nothing new (a wrong final can make Whisper
        end its text there): cut the window before the segment's pre-roll, the final words
        becoming prompt, and decode what is left."""
        start = turn.segment_start - int(self._pre_roll_secs * turn.rate) * 2
        turn.cut(min(len(turn.window), max(0, turn.offset(start))))
        turn.agreement.close_window([])
        await self._decode_window(turn, "final", stop_at)

    async def _decode_window(
        self, turn: Turn, mode: Literal["interim", "whole", "final"], end: int | None = None
    ) -> None:
        """Decode the window (up to the turn's byte ``end``; all of it by default).
        ``interim``: after the committed words (forced), which grow by agreement; ``whole``
        and ``final``: the words after the last final anew, with only the final words forced
        and the cut-off words as prompt — the committed words of short partial windows can be
        wrong ("in pairs" for "in Paris"), and a final keeps none of them; a final's words are
        all taken."""
        end = turn.received if end is None else end
        window = bytes(turn.window[: turn.offset(end)])
        agreement = turn.agreement
        prefix = agreement.prefix if mode == "interim" else agreement.final_prefix
        decoded = await self._decode(window, turn.rate, agreement.prompt, prefix)
        turn.decoded, turn.language, turn.latest = end, decoded.language, decoded
        turn.latest_whole = mode != "interim"
        if mode == "interim":
            agreement.update(decoded.words)
        else:
            agreement.redo(decoded.words, final=mode == "final")

    async def _bound(self, turn: Turn) -> None:
        """While the window is over ``max_window_secs``, cut it at the quietest point of its
        first ``max_window_secs`` (past half of them); the audio before it, decoded whole,
        becomes the prompt. No decode gets more than ``max_window_secs`` of audio."""
        limit = int(self._max_window_secs * turn.rate) * 2
        while len(turn.window) > limit:
            head = turn.cut(quiet_cut(bytes(turn.window[:limit]), turn.rate))
            decoded = await self._decode(head, turn.rate, turn.agreement.prompt, turn.agreement.final_prefix)
            turn.agreement.close_window(decoded.words)
            logger.debug("%s: cut %.1f s off a long utterance's window", self, turn.secs(len(head)))

    async def _decode(self, audio: bytes, rate: int, prompt: str, prefix: str) -> Decoded:
        """One decode in a worker thread; cancelling waits for it (it is short), so none outlives its run."""
        decoder = self._decoder
        assert decoder is not None

        def run() -> Decoded:
            return decoder.decode(whisper_samples(audio, rate), prompt, prefix)

        return await anyio.to_thread.run_sync(run)


def whisper_samples(audio: bytes, rate: int) -> Any:
    """PCM16 at ``rate`` as Whisper's input: float32 samples at 16 kHz (blocking)."""
    import numpy

    pcm = resample_once(audio, rate, WHISPER_RATE)
    return numpy.frombuffer(pcm, dtype="<i2").astype(numpy.float32) / 32768.0
