"""``STTService`` and ``SegmentedSTTService``: the bases of speech-to-text services.

Input audio arrives as system frames, inline in the input transport's task, so the
bases never transcribe there: audio is handed to a background task that runs the
subclass's :meth:`STTService.run_stt` and pushes its transcriptions downstream.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, ClassVar

from .._deps import anyio
from ..direction import FrameDirection
from ..frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    StartFrame,
    STTMuteFrame,
    TranscriptionFrame,
    UserAudioRawFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ..frames.rtvi import MESSAGE_FRAMES
from ..frames.text import time_now_iso8601
from ..processor import FrameProcessor

DOWNSTREAM = FrameDirection.DOWNSTREAM

#: How long an EndFrame waits for queued audio to be transcribed.
_DRAIN_TIMEOUT_SECS = 10.0

#: A step :meth:`STTService.queue_step` runs in the background task, in order with the audio.
Step = Callable[[], Awaitable[None]]


class STTService(FrameProcessor):
    """Base of streaming STT services: audio in, transcription frames out.

    Subclasses implement :meth:`run_stt`, called in a background task with each
    chunk of user audio (in order). Transcription frames it yields get the
    ``user_id`` of the audio (for ``UserAudioRawFrame``) and a UTC ``timestamp``
    when they have none, and are pushed downstream. ``STTMuteFrame(mute=True)``
    stops transcription until ``STTMuteFrame(mute=False)``.

    ``sample_rate``: input rate (None: the run's ``audio_in_sample_rate``).
    ``audio_passthrough``: push input audio frames on downstream.
    ``max_pending_secs``: at most this much audio waits for :meth:`run_stt` (a slow
    or stuck provider); audio beyond it is dropped, with one non-fatal RTVI ``error``
    each time dropping starts, until the provider catches up.

    Metrics: usage (audio seconds since the last report) with each final
    transcription.

    A streaming provider (results arrive on a connection of their own, not from
    :meth:`run_stt`) sends audio in :meth:`run_stt` and yields nothing, pushes its
    results with :meth:`push_transcription`, and sends its end-of-utterance message
    with :meth:`queue_step` from :meth:`on_user_stopped_speaking`, so that it follows
    the audio queued before it.
    """

    #: The bot-file section of this service's plugins: errors name one ``stt plugin '<name>'``.
    PLUGIN_KIND: ClassVar[str] = "stt"
    passes_through = MESSAGE_FRAMES

    def __init__(
        self,
        *,
        sample_rate: int | None = None,
        audio_passthrough: bool = True,
        max_pending_secs: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_pending_secs <= 0:
            raise ValueError(f"max_pending_secs must be > 0, got {max_pending_secs}")
        self._init_sample_rate = sample_rate
        self._max_pending_secs = max_pending_secs
        self._pending = 0  # bytes queued for run_stt
        self._dropping = False  # audio is being dropped (the queue is full)
        self._drop_unreported = False
        self._sample_rate = sample_rate or 0
        self._audio_passthrough = audio_passthrough
        self._muted = False
        self._user_id = ""
        self._usage_secs = 0.0
        self._runner: Any = None
        self._open_queue()

    def _open_queue(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream[tuple[bytes | Step, str]](math.inf)
        self._ending = False
        self._pending = 0

    @property
    def sample_rate(self) -> int:
        """The input sample rate (known once the StartFrame arrived)."""
        return self._sample_rate

    @property
    def is_muted(self) -> bool:
        """Whether transcription is muted by an ``STTMuteFrame``."""
        return self._muted

    def can_generate_metrics(self) -> bool:
        """STT services report metrics (audio usage; segmented: ttfb and processing)."""
        return True

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        """Transcribe ``audio`` (PCM16 at :attr:`sample_rate`); yield frames to push.

        Usually ``InterimTranscriptionFrame``/``TranscriptionFrame``; any frame is
        pushed downstream. Runs in the service's background task.
        """
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Take the input rate from the run and start the transcription task."""
        self._sample_rate = self._init_sample_rate or frame.audio_in_sample_rate
        if self._ending:  # a previous run ended: its queue is closed
            self._open_queue()
        if self._runner is None:
            self._runner = self.create_task(self._transcribe_loop(), "transcribe")

    async def stop(self, frame: EndFrame) -> None:
        """Finish transcribing the audio already queued (up to a timeout), then stop."""
        self._ending = True
        self._send.close()
        if self._runner is not None:
            with anyio.move_on_after(_DRAIN_TIMEOUT_SECS):
                await self._runner.wait()
        await self._stop_runner()

    async def cancel(self, frame: CancelFrame) -> None:
        """Stop transcribing at once; audio still queued is dropped, not left for the next run."""
        self._ending = True
        self._send.close()
        await self._stop_runner()

    async def _stop_runner(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await self.cancel_task(runner)

    # -- frames -----------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            if not self._muted:
                if isinstance(frame, UserAudioRawFrame):
                    self._user_id = frame.user_id
                self.process_audio_frame(frame)
                await self._report_drop()
            if self._audio_passthrough:
                await self.push_frame(frame, direction)
            return
        if isinstance(frame, STTMuteFrame):
            self._muted = frame.mute
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            await self.on_user_started_speaking()
        elif isinstance(frame, VADUserStoppedSpeakingFrame) and not self._muted:
            await self.on_user_stopped_speaking()
            await self._report_drop()
        await self.push_frame(frame, direction)

    def process_audio_frame(self, frame: InputAudioRawFrame) -> None:
        """Handle unmuted input audio (inline: never block). Default: transcribe it."""
        self.transcribe(frame.audio)

    async def on_user_started_speaking(self) -> None:
        """Called inline when VAD detects the start of speech (never block)."""

    async def on_user_stopped_speaking(self) -> None:
        """Called inline when VAD detects the end of speech, unless muted (never block)."""

    def transcribe(self, audio: bytes) -> None:
        """Queue ``audio`` for :meth:`run_stt` in the background task (never blocks).

        Dropped when ``max_pending_secs`` of audio already wait (reported by the caller's
        frame handling, see :meth:`_report_drop`).
        """
        if self._ending:
            return
        limit = int(self._max_pending_secs * self._sample_rate) * 2
        if self._sample_rate and self._pending + len(audio) > limit:
            if not self._dropping:
                self._dropping = self._drop_unreported = True
            return
        self._dropping = False
        self._pending += len(audio)
        self._send.send_nowait((audio, self._user_id))

    def queue_step(self, step: Step) -> None:
        """Run ``step()`` in the background task once the audio queued so far went to
        :meth:`run_stt` (never blocks; ignored once the run is ending).

        For messages that must follow the audio before them, e.g. a streaming
        provider's "finalize" on the end of the user's turn. An exception it raises is
        reported as a non-fatal error, as one of :meth:`run_stt` is.
        """
        if not self._ending:
            self._send.send_nowait((step, self._user_id))

    async def push_transcription(self, frame: Frame) -> None:
        """Push a result a streaming provider received (a transcription frame gets the
        user id of the latest audio, a timestamp and metrics, as :meth:`run_stt`'s do)."""
        await self._push_result(frame, self._user_id)

    def add_usage(self, secs: float) -> None:
        """Count ``secs`` of audio transcribed outside :meth:`run_stt` (reported with the next final)."""
        self._usage_secs += secs

    async def _report_drop(self) -> None:
        """Report, once per episode, that audio was dropped because transcription is behind."""
        if self._drop_unreported:
            self._drop_unreported = False
            await self.push_error(
                f"{self} is over {self._max_pending_secs:g} s behind the audio; audio is dropped until it catches up"
            )

    # -- background transcription -----------------------------------------------------

    async def _transcribe_loop(self) -> None:
        async for item, user_id in self._receive:
            try:
                if isinstance(item, bytes):
                    self._pending -= len(item)
                    await self._run(item, user_id)
                else:
                    await item()
            except Exception as exc:
                await self.push_error(f"{self} STT error: {exc}", exception=exc)

    async def _run(self, audio: bytes, user_id: str) -> None:
        """Run :meth:`run_stt` on ``audio`` and push what it yields."""
        self._usage_secs += len(audio) / (2 * self._sample_rate)
        async with aclosing(self.run_stt(audio)) as frames:
            async for frame in frames:
                await self._push_result(frame, user_id)

    async def _push_result(self, frame: Frame, user_id: str) -> None:
        """Stamp a transcription with the user and time, report metrics, push it."""
        if isinstance(frame, (TranscriptionFrame, InterimTranscriptionFrame)):
            if not frame.user_id:
                frame.user_id = user_id
            if not frame.timestamp:
                frame.timestamp = time_now_iso8601()
            if isinstance(frame, TranscriptionFrame):
                await self.stop_ttfb_metrics()
                usage, self._usage_secs = self._usage_secs, 0.0
                await self.start_stt_usage_metrics(usage)
        await self.push_frame(frame)


class SegmentedSTTService(STTService):
    """Base of STT services that transcribe whole utterances (e.g. Whisper).

    Audio is buffered from ``VADUserStartedSpeakingFrame`` (with ``pre_roll_secs``
    of the audio before it, so the first syllable is not clipped) to
    ``VADUserStoppedSpeakingFrame``; then :meth:`run_stt` gets the whole segment as
    one PCM16 buffer at the audio's rate. Also reports, per segment, ttfb (from the
    ``VADUserStoppedSpeakingFrame`` to its final transcription) and processing time.

    Speech longer than ``max_segment_secs`` (default 30 s, Whisper's window) is
    transcribed in pieces of that length as it comes: one client talking (or sending
    noise) without a pause neither grows a buffer without end nor holds a shared model
    for one unbounded transcription.
    """

    passes_through = MESSAGE_FRAMES

    def __init__(self, *, pre_roll_secs: float = 0.5, max_segment_secs: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 < max_segment_secs <= self._max_pending_secs:
            raise ValueError(
                f"max_segment_secs must be > 0 and at most max_pending_secs ({self._max_pending_secs:g}), "
                f"got {max_segment_secs}"
            )
        self._pre_roll_secs = pre_roll_secs
        self._max_segment_secs = max_segment_secs
        self._chunks: deque[bytes] = deque()
        self._buffered = 0  # bytes in ``_chunks``
        self._pre_roll_bytes = 0
        self._max_segment_bytes = 0
        self._speaking = False

    def process_audio_frame(self, frame: InputAudioRawFrame) -> None:
        """Buffer the audio: all of it while speaking (in pieces of ``max_segment_secs``), else only the pre-roll."""
        audio = frame.audio
        chunks = self._chunks
        chunks.append(audio)
        self._buffered += len(audio)
        if self._speaking:
            limit = self._max_segment_bytes
            if not limit:
                limit = self._max_segment_bytes = (
                    int(self._max_segment_secs * frame.sample_rate) * 2 * frame.num_channels
                )
            if self._buffered >= limit:
                self.transcribe(b"".join(chunks))
                chunks.clear()
                self._buffered = 0
            return
        limit = self._pre_roll_bytes
        if not limit:
            limit = self._pre_roll_bytes = int(self._pre_roll_secs * frame.sample_rate) * 2 * frame.num_channels
        while chunks and self._buffered - len(chunks[0]) >= limit:
            self._buffered -= len(chunks.popleft())

    def take_buffered(self) -> bytes:
        """Remove and return the audio buffered so far (the pre-roll, while the user is quiet).

        For a subclass that takes over the utterance's audio itself from the VAD's start on.
        """
        audio = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        return audio

    async def on_user_started_speaking(self) -> None:
        """Start the segment (keeping the pre-roll already buffered)."""
        self._speaking = True

    async def on_user_stopped_speaking(self) -> None:
        """Hand the segment to the background task and start buffering pre-roll anew."""
        if self._speaking and self._chunks:
            await self.start_ttfb_metrics()
            self.transcribe(b"".join(self._chunks))
        self._speaking = False
        self._chunks.clear()
        self._buffered = 0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, STTMuteFrame) and frame.mute:
            # Muting drops the segment in progress.
            self._speaking = False
            self._chunks.clear()
            self._buffered = 0
        await super().process_frame(frame, direction)

    async def _run(self, audio: bytes, user_id: str) -> None:
        await self.start_processing_metrics()
        await super()._run(audio, user_id)
        await self.stop_processing_metrics()
