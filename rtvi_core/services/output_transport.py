"""``BaseOutputTransport``: writes the bot's audio and messages to the client."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING

from .._deps import anyio
from ..audio.rate_converter import RateConverter
from ..direction import FrameDirection
from ..frames import (
    BotAudioHoldFrame,
    BotSpeakingFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
    TTSStoppedFrame,
)
from ..frames.audio import USER_AUDIO_FRAMES
from ..frames.rtvi import MESSAGE_FRAMES
from ..processor import FrameProcessor
from ..runtime import ManagedTask
from ..transport_roles import OutputTransportRole
from .transport_params import TransportParams

if TYPE_CHECKING:
    from ..capabilities import BotCapabilities

logger = logging.getLogger("rtvi_core.services.output_transport")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

#: Shortest sleep of the silence watcher (keeps it from spinning).
_MIN_WATCH_SECS = 0.005
#: Longest a BotAudioHoldFrame holds the bot's audio (should its release be lost).
MAX_HOLD_SECS = 1.0


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class BaseOutputTransport(FrameProcessor, OutputTransportRole):
    """Plays the bot to the client, in order, and tracks whether the bot is speaking.

    Queued frames are handled in order. Audio is written in chunks of
    ``10 ms × audio_out_10ms_chunks`` at the output rate, paced at playback speed
    when ``audio_out_realtime`` is on (against a monotonic schedule, so pacing does
    not drift; up to ``audio_out_ahead_secs`` ahead of the client's playback). Speaking state, pushed both downstream and upstream:

    * ``BotStartedSpeakingFrame`` right before the first chunk after silence;
    * ``BotSpeakingFrame`` every ``bot_speaking_interval_secs`` while writing audio;
    * ``BotStoppedSpeakingFrame`` when a ``TTSStoppedFrame`` follows the audio, on an
      interruption, at the end of the run, or after ``bot_silence_timeout_secs``
      without audio.

    ``BotAudioHoldFrame(hold=True)`` (the user may be starting to speak) holds the audio
    not yet written, at most :data:`MAX_HOLD_SECS`, until ``hold=False`` or an
    interruption; a client then has at most one chunk of the bot's audio left to play.

    Audio at another rate than the output's is resampled (soxr, when installed).

    Text frames (``AggregatedTextFrame``, ``TTSTextFrame``) and other queued frames go
    on downstream when reached, so they stay in step with playback; written audio
    frames go on too. ``OutputTransportMessageUrgentFrame`` is written at once,
    ``OutputTransportMessageFrame`` in order. On ``EndFrame`` everything queued before
    it is written, then :meth:`close` is called; on ``CancelFrame`` at once.

    Subclasses implement :meth:`write_message`, :meth:`write_audio` and :meth:`close`
    (and :meth:`clear_audio` when they queue audio of their own).
    """

    passes_through = (MESSAGE_FRAMES - {OutputTransportMessageUrgentFrame}) | USER_AUDIO_FRAMES

    def __init__(self, params: TransportParams, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._params = params
        self._sample_rate = 0
        self._chunk_bytes = 0
        self._chunk_secs = 0.0
        self._pending = b""  # output audio shorter than a chunk, not written yet
        self._audio_end = 0.0  # monotonic time the client runs out of written audio
        self._bot_speaking = False
        self._last_speaking_frame = 0.0
        self._closed = False
        self._converter: RateConverter | None = None
        self._watcher: ManagedTask | None = None
        self._wake_watcher: asyncio.Future[None] | None = None
        self._hold: anyio.Event | None = None  # set to release the audio held

    # -- subclass hooks -------------------------------------------------------------------

    async def write_message(self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame) -> None:
        """Send ``frame.message`` to the client."""
        raise NotImplementedError(f"{type(self).__name__} must implement write_message()")

    async def write_audio(self, frame: OutputAudioRawFrame) -> None:
        """Send one chunk of audio (at most ``audio_out_10ms_chunks`` × 10 ms) to the client."""
        raise NotImplementedError(f"{type(self).__name__} must implement write_audio()")

    async def clear_audio(self) -> None:
        """Drop the bot audio already written that the client has not played (an interruption).

        A transport that keeps a queue of its own between :meth:`write_audio` and the
        client (a WebRTC track) empties it here; the default does nothing.
        """

    async def close(self) -> None:
        """Close the connection; called once, at the end or cancellation of the run."""

    # -- state ------------------------------------------------------------------------

    @property
    def params(self) -> TransportParams:
        """The transport's settings."""
        return self._params

    @property
    def sample_rate(self) -> int:
        """The output sample rate (known once the StartFrame has arrived)."""
        return self._sample_rate

    @property
    def bot_speaking(self) -> bool:
        """True between ``BotStartedSpeakingFrame`` and ``BotStoppedSpeakingFrame``."""
        return self._bot_speaking

    @property
    def capabilities(self) -> BotCapabilities:
        """What this transport sends to the user: ``audio_out`` as configured, no video."""
        from ..capabilities import BotCapabilities  # msgspec: loaded once a session is ready

        return BotCapabilities(audio_out=self._params.audio_out_enabled, video_out=False)

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Fix the output rate and chunk size; start the silence watcher."""
        params = self._params
        self._sample_rate = params.audio_out_sample_rate or frame.audio_out_sample_rate
        samples_per_10ms = self._sample_rate // 100
        chunk_samples = samples_per_10ms * params.audio_out_10ms_chunks
        self._chunk_bytes = chunk_samples * params.audio_out_channels * 2
        self._chunk_secs = chunk_samples / self._sample_rate
        if params.audio_out_enabled and self._watcher is None:
            self._watcher = self.create_task(self._watch_silence(), name="silence")

    async def stop(self, frame: EndFrame) -> None:
        """Write the audio still pending, end the bot's speech and close."""
        await self._flush_pending()
        if self._bot_speaking:
            await self._bot_stopped()
        await self._shutdown()

    async def cancel(self, frame: CancelFrame) -> None:
        """Drop pending audio and close at once."""
        self._pending = b""
        await self._shutdown()

    async def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        await self.close()

    # -- frames -----------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is UPSTREAM:
            await self.push_frame(frame, direction)
        elif isinstance(frame, OutputAudioRawFrame):
            if self._params.audio_out_enabled and not self._closed:
                await self._write_audio_frame(frame)
            await self.push_frame(frame, direction)
        elif isinstance(frame, OutputTransportMessageUrgentFrame):
            if not self._closed:
                await self.write_message(frame)
        elif frame.is_system:
            await self.push_frame(frame, direction)
            if isinstance(frame, InterruptionFrame):
                await self._handle_interruption()
            elif isinstance(frame, BotAudioHoldFrame):
                self._set_hold(frame.hold)
        elif isinstance(frame, OutputTransportMessageFrame):
            await self._flush_pending()
            if not self._closed:
                await self.write_message(frame)
        elif isinstance(frame, TTSStoppedFrame):
            if self._converter is not None:
                await self._write_resampler_tail()
            await self._flush_pending()
            await self.push_frame(frame, direction)
            if self._bot_speaking:
                await self._bot_stopped()
        else:
            # Audio shorter than a chunk waits for more (or for the silence watcher), so
            # that text frames between words do not cut the stream into short chunks.
            await self.push_frame(frame, direction)

    def _set_hold(self, hold: bool) -> None:
        if hold and self._hold is None and self._bot_speaking and self._params.audio_out_hold_on_speech:
            self._hold = anyio.Event()
        elif not hold and self._hold is not None:
            self._hold.set()
            self._hold = None

    async def _handle_interruption(self) -> None:
        self._set_hold(False)
        self._pending = b""
        self._audio_end = 0.0
        await self.clear_audio()
        if self._bot_speaking:
            await self._bot_stopped()

    # -- audio ------------------------------------------------------------------------

    async def _write_audio_frame(self, frame: OutputAudioRawFrame) -> None:
        audio = frame.audio
        if frame.sample_rate != self._sample_rate:
            audio = self._rate_converter().convert(audio, frame.sample_rate)
        if self._pending:
            audio = self._pending + audio
        size = self._chunk_bytes
        end = len(audio) - len(audio) % size
        self._pending = audio[end:]
        for offset in range(0, end, size):
            if self._closed:
                return
            await self._write_chunk(audio[offset : offset + size])
        if self._pending and not self._params.audio_out_realtime and not self._inbox:
            # Nothing queued behind this frame: the remainder is the end of the speech.
            await self._flush_pending()
        elif self._pending:
            self._wake()

    def _rate_converter(self) -> RateConverter:
        if self._converter is None:
            self._converter = RateConverter(self._sample_rate, self._params.audio_out_channels, owner=self)
        return self._converter

    async def _write_resampler_tail(self) -> None:
        tail = self._rate_converter().flush()
        if tail:
            params = self._params
            await self._write_audio_frame(OutputAudioRawFrame(tail, self._sample_rate, params.audio_out_channels))

    async def _flush_pending(self) -> None:
        """Write the audio shorter than a chunk that is waiting for more audio."""
        chunk, self._pending = self._pending, b""
        if chunk and not self._closed:
            await self._write_chunk(chunk)

    async def _write_chunk(self, audio: bytes) -> None:
        params = self._params
        now = time.monotonic()
        due = self._audio_end - params.audio_out_ahead_secs
        if params.audio_out_realtime and due > now:
            await asyncio.sleep(due - now)
            if self._closed:
                return
            now = time.monotonic()
        if self._hold is not None:
            with anyio.move_on_after(MAX_HOLD_SECS):
                await self._hold.wait()
            self._hold = None
            if self._closed:
                return
            now = time.monotonic()
        if params.audio_out_realtime:
            # A monotonic schedule: each chunk starts where the previous one ends,
            # unless the client already ran out of audio.
            start = self._audio_end if self._audio_end > now - self._chunk_secs else now
            self._audio_end = start + len(audio) / self._chunk_bytes * self._chunk_secs
        else:
            self._audio_end = now
        if not self._bot_speaking:
            await self._bot_started(now)
        elif now - self._last_speaking_frame >= params.bot_speaking_interval_secs:
            self._last_speaking_frame = now
            await self.broadcast_frame(BotSpeakingFrame)
        await self.write_audio(OutputAudioRawFrame(audio, self._sample_rate, params.audio_out_channels))

    # -- speaking state -----------------------------------------------------------------

    async def _bot_started(self, now: float) -> None:
        self._bot_speaking = True
        self._last_speaking_frame = now
        self._wake()
        await self.broadcast_frame(BotStartedSpeakingFrame)

    async def _bot_stopped(self) -> None:
        self._bot_speaking = False
        if self._converter is not None:
            self._converter.reset()
        await self.broadcast_frame(BotStoppedSpeakingFrame)

    def _wake(self) -> None:
        waiter = self._wake_watcher
        if waiter is not None:
            self._wake_watcher = None
            _resolve(waiter)

    async def _watch_silence(self) -> None:
        """Flush trailing audio when the client needs it; stop the bot after a silence."""
        timeout = self._params.bot_silence_timeout_secs
        ahead = self._params.audio_out_ahead_secs
        loop = asyncio.get_running_loop()
        while True:
            now = time.monotonic()
            idle = self._current is None  # the worker is not in the middle of a frame
            try:
                if self._pending and idle and now >= self._audio_end - ahead:
                    await self._flush_pending()
                    continue
                if self._bot_speaking and idle and now >= self._audio_end + timeout:
                    await self._bot_stopped()
                    continue
            except Exception:  # a failed write must not end the watch
                logger.exception("%s: silence watcher failed to write or stop", self)
                continue
            if self._pending:
                delay = max(self._audio_end - ahead - now, _MIN_WATCH_SECS)
            elif self._bot_speaking:
                delay = max(self._audio_end + timeout - now, _MIN_WATCH_SECS)
            else:
                delay = math.inf
            # A future and a timer: a wake per chunk of every speaking session, so not anyio's
            # Event and cancel scope (several times the cost).
            wake = self._wake_watcher = loop.create_future()
            timer = loop.call_later(delay, _resolve, wake) if delay != math.inf else None
            try:
                await wake
            finally:
                if timer is not None:
                    timer.cancel()
