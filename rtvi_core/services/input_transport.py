"""``BaseInputTransport``: where client audio and messages enter the pipeline."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from .._deps import anyio
from ..audio.input_format import AudioFormatError, check_input_format
from ..audio.rate_converter import RateConverter
from ..audio.realtime_budget import RealtimeBudget
from ..direction import FrameDirection
from ..frames import (
    BotAudioHoldFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InputTransportStartAudioStreamingFrame,
    StartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ..frames.rtvi import MESSAGE_FRAMES
from ..processor import FrameProcessor
from .transport_params import TransportParams
from .vad import VADState

if TYPE_CHECKING:
    from ..capabilities import BotCapabilities

logger = logging.getLogger("rtvi_core.input_transport")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

#: Longest client audio handled in one step: a longer frame is cut into pieces this
#: long, with a yield to the event loop between them (resampling and VAD of a 1 MiB
#: frame in one go would hold every session's loop for a third of a second).
STEP_SECS = 0.25


class BaseInputTransport(FrameProcessor):
    """Feeds what the client sends into the pipeline.

    Subclasses receive from their connection and call :meth:`push_audio`,
    :meth:`push_message` or :meth:`push_frame`. With a ``vad_analyzer``, input audio
    drives turn taking: at speech start ``VADUserStartedSpeakingFrame`` and
    ``UserStartedSpeakingFrame`` go downstream, then (when the run allows
    interruptions) the whole pipeline is interrupted; at speech end
    ``VADUserStoppedSpeakingFrame`` and ``UserStoppedSpeakingFrame`` go downstream.
    From the first speech window until the VAD decides, ``BotAudioHoldFrame`` holds
    the bot's audio (``params.audio_out_hold_on_speech``, when interruptions are allowed).
    With :attr:`vad_user_turns` off only the VAD frames are pushed: a
    :class:`~rtvi_core.services.user_turns.UserTurnProcessor` after the STT decides
    where user turns start and end (and interrupts).
    Audio at another rate than the input's is resampled first (soxr, when installed).

    Client audio is bounded before any work is done on it: a frame whose format is
    not one a client may send (:func:`~rtvi_core.audio.check_input_format`), or that
    runs ahead of real time beyond ``params.audio_in_burst_secs`` /
    ``params.audio_in_max_speed``, is dropped, with one non-fatal error (an RTVI
    ``error``) per episode. Frames longer than :data:`STEP_SECS` are handled in pieces.
    """

    passes_through = MESSAGE_FRAMES

    def __init__(self, params: TransportParams, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._params = params
        self._sample_rate = 0
        self._streaming = params.audio_in_stream_on_start
        self._user_speaking = False
        self._holding = False  # a BotAudioHoldFrame(hold=True) was pushed, not yet released
        self._converter: RateConverter | None = None
        self._budget: RealtimeBudget | None = None
        self._refusing: str | None = None  # why audio is being dropped (one error per episode)
        self._input_open = False
        self._open_waiter: asyncio.Future[None] | None = None  # made if waited on before start
        #: The VAD's starts and stops are the user's turns (``UserStarted/StoppedSpeakingFrame``,
        #: an interruption at each start). Off when a ``UserTurnProcessor`` downstream makes them.
        self.vad_user_turns = True

    @property
    def params(self) -> TransportParams:
        """The transport's settings."""
        return self._params

    @property
    def sample_rate(self) -> int:
        """The input sample rate (known once the StartFrame has arrived)."""
        return self._sample_rate

    @property
    def capabilities(self) -> BotCapabilities:
        """What this transport receives from the user: ``audio_in`` as configured, no video."""
        from ..capabilities import BotCapabilities  # msgspec: loaded once a session is ready

        return BotCapabilities(audio_in=self._params.audio_in_enabled, video_in=False, screen_in=False)

    async def start(self, frame: StartFrame) -> None:
        """Fix the input rate, prepare the VAD, then :meth:`open_input`."""
        self._sample_rate = self._params.audio_in_sample_rate or frame.audio_in_sample_rate
        if self._params.audio_in_max_speed > 0:
            self._budget = RealtimeBudget(
                self._params.audio_in_max_speed, self._params.audio_in_burst_secs, time.monotonic()
            )
        vad = self._params.vad_analyzer
        if vad is not None:
            vad.set_sample_rate(self._sample_rate)
        await self.open_input(frame)
        self._input_open = True
        if self._open_waiter is not None and not self._open_waiter.done():
            self._open_waiter.set_result(None)

    async def open_input(self, frame: StartFrame) -> None:
        """Prepare what decoding the client's input needs (a serializer's setup).

        Called at the end of :meth:`start`; :meth:`wait_started` returns after it.
        """

    async def wait_started(self) -> None:
        """Wait until the run's StartFrame has reached this transport and :meth:`start` has run."""
        if self._input_open:
            return
        if self._open_waiter is None:
            self._open_waiter = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._open_waiter)

    async def stop(self, frame: EndFrame) -> None:
        """Called when the EndFrame arrives; release the VAD."""
        await self._release_vad()

    async def cancel(self, frame: CancelFrame) -> None:
        """Called when the CancelFrame arrives; release the VAD."""
        await self._release_vad()

    async def _release_vad(self) -> None:
        self._streaming = False
        vad = self._params.vad_analyzer
        if vad is not None:
            await vad.cleanup()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputTransportStartAudioStreamingFrame):
            self._streaming = True
            return
        if isinstance(frame, InputAudioRawFrame) and direction is DOWNSTREAM:
            # Audio injected from above (RTVI ``raw-audio``) is user audio like ours.
            await self._push_user_audio(frame)
            return
        await self.push_frame(frame, direction)

    # -- for subclasses: feeding the pipeline -------------------------------------------

    async def push_audio(self, audio: bytes, sample_rate: int, num_channels: int = 1) -> None:
        """Push client PCM downstream as an ``InputAudioRawFrame`` (through the VAD first).

        Dropped while audio input is disabled or streaming has not started, and
        outside the run (before the StartFrame, after the EndFrame/CancelFrame).
        """
        await self._push_user_audio(InputAudioRawFrame(audio, sample_rate, num_channels))

    async def _push_user_audio(self, frame: InputAudioRawFrame) -> None:
        if not (self._params.audio_in_enabled and self._streaming and self.has_started):
            return
        refusal = self._refusal(frame)
        if refusal is not None:
            if refusal != self._refusing:
                self._refusing = refusal
                logger.info("%s: %s", self, refusal)
                await self.push_error(f"{self}: {refusal}")
            return
        self._refusing = None
        audio = frame.audio
        step = round(STEP_SECS * frame.sample_rate) * 2 * frame.num_channels
        if len(audio) <= step:
            await self._push_piece(frame)
            return
        for start in range(0, len(audio), step):
            if start:
                await anyio.sleep(0)
            piece = InputAudioRawFrame(audio[start : start + step], frame.sample_rate, frame.num_channels)
            await self._push_piece(piece)

    def _refusal(self, frame: InputAudioRawFrame) -> str | None:
        """Why ``frame`` must be dropped, or None (then its length is spent from the budget)."""
        try:
            check_input_format(frame.sample_rate, frame.num_channels, native_rate=self._sample_rate)
        except AudioFormatError as exc:
            return f"input audio dropped: {exc}"
        budget = self._budget
        if budget is not None and not budget.take(frame.duration_secs, time.monotonic()):
            return (
                f"input audio dropped: it runs ahead of real time (allowed: {budget.burst_secs:g} s "
                f"at once, then {budget.max_speed:g}× real time)"
            )
        return None

    async def _push_piece(self, frame: InputAudioRawFrame) -> None:
        if frame.sample_rate != self._sample_rate:
            frame = self._convert_rate(frame)
        vad = self._params.vad_analyzer
        if vad is not None:
            try:
                state = await vad.analyze_audio(frame.audio)
            except Exception as exc:  # a broken VAD must not end the session
                logger.exception("%s: VAD failed", self)
                await self.push_error(f"{self} VAD error: {exc}", exception=exc)
            else:
                await self._handle_vad(state)
        await self.push_frame(frame, DOWNSTREAM)

    def _convert_rate(self, frame: InputAudioRawFrame) -> InputAudioRawFrame:
        if self._converter is None:
            self._converter = RateConverter(self._sample_rate, self._params.audio_in_channels, owner=self)
        audio = self._converter.convert(frame.audio, frame.sample_rate)
        if audio is frame.audio:
            return frame
        return InputAudioRawFrame(audio, self._sample_rate, frame.num_channels)

    async def push_message(self, message: Any) -> None:
        """Push a client message both upstream (to the RTVI processor) and downstream."""
        await self.broadcast_frame(InputTransportMessageFrame, message=message)

    async def _handle_vad(self, state: VADState) -> None:
        if state is VADState.SPEAKING:
            if not self._user_speaking:
                self._user_speaking = True
                await self._user_started()
            await self._hold_bot_audio(False)
        elif state is VADState.QUIET:
            await self._hold_bot_audio(False)
            if self._user_speaking:
                self._user_speaking = False
                await self._user_stopped()
        elif state is VADState.STARTING and not self._user_speaking:
            await self._hold_bot_audio(True)

    async def _hold_bot_audio(self, hold: bool) -> None:
        """Ask the output to hold the bot's audio from speech onset until the VAD decides."""
        if hold is not self._holding and (self._holding or self._may_hold()):
            self._holding = hold
            await self.push_frame(BotAudioHoldFrame(hold=hold))

    def _may_hold(self) -> bool:
        return self._params.audio_out_hold_on_speech and self.interruptions_allowed

    async def _user_started(self) -> None:
        params = self._params.vad_analyzer.params  # type: ignore[union-attr]
        await self.push_frame(VADUserStartedSpeakingFrame(start_secs=params.start_secs, timestamp=time.time()))
        if not self.vad_user_turns:
            return
        await self.push_frame(UserStartedSpeakingFrame())
        if self.interruptions_allowed:
            await self.broadcast_interruption()

    async def _user_stopped(self) -> None:
        params = self._params.vad_analyzer.params  # type: ignore[union-attr]
        await self.push_frame(VADUserStoppedSpeakingFrame(stop_secs=params.stop_secs, timestamp=time.time()))
        if self.vad_user_turns:
            await self.push_frame(UserStoppedSpeakingFrame())
