"""``BaseInputTransport``: where client audio and messages enter the pipeline."""

from __future__ import annotations

import logging
import time
from typing import Any

from .._deps import rtvi_messages as m
from ..audio.rate_converter import RateConverter
from ..direction import FrameDirection
from ..frames import (
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
from ..processor import FrameProcessor
from ..rtvi.frames import MESSAGE_FRAMES
from .transport_params import TransportParams
from .vad import VADState

logger = logging.getLogger("rtvi_core.input_transport")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class BaseInputTransport(FrameProcessor):
    """Feeds what the client sends into the pipeline.

    Subclasses receive from their connection and call :meth:`push_audio`,
    :meth:`push_message` or :meth:`push_frame`. With a ``vad_analyzer``, input audio
    drives turn taking: at speech start ``VADUserStartedSpeakingFrame`` and
    ``UserStartedSpeakingFrame`` go downstream, then (when the run allows
    interruptions) the whole pipeline is interrupted; at speech end
    ``VADUserStoppedSpeakingFrame`` and ``UserStoppedSpeakingFrame`` go downstream.
    Audio at another rate than the input's is resampled first (soxr, when installed).
    """

    passes_through = MESSAGE_FRAMES

    def __init__(self, params: TransportParams, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._params = params
        self._sample_rate = 0
        self._streaming = params.audio_in_stream_on_start
        self._user_speaking = False
        self._converter: RateConverter | None = None

    @property
    def params(self) -> TransportParams:
        """The transport's settings."""
        return self._params

    @property
    def sample_rate(self) -> int:
        """The input sample rate (known once the StartFrame has arrived)."""
        return self._sample_rate

    @property
    def capabilities(self) -> m.BotCapabilities:
        """What this transport receives from the user: ``audio_in`` as configured, no video."""
        return m.BotCapabilities(audio_in=self._params.audio_in_enabled, video_in=False, screen_in=False)

    async def start(self, frame: StartFrame) -> None:
        """Fix the input rate and prepare the VAD; subclasses open their input after this."""
        self._sample_rate = self._params.audio_in_sample_rate or frame.audio_in_sample_rate
        vad = self._params.vad_analyzer
        if vad is not None:
            vad.set_sample_rate(self._sample_rate)

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
        elif state is VADState.QUIET and self._user_speaking:
            self._user_speaking = False
            await self._user_stopped()

    async def _user_started(self) -> None:
        params = self._params.vad_analyzer.params  # type: ignore[union-attr]
        await self.push_frame(
            VADUserStartedSpeakingFrame(start_secs=params.start_secs, timestamp=time.time())
        )
        await self.push_frame(UserStartedSpeakingFrame())
        if self.interruptions_allowed:
            await self.broadcast_interruption()

    async def _user_stopped(self) -> None:
        params = self._params.vad_analyzer.params  # type: ignore[union-attr]
        await self.push_frame(
            VADUserStoppedSpeakingFrame(stop_secs=params.stop_secs, timestamp=time.time())
        )
        await self.push_frame(UserStoppedSpeakingFrame())
