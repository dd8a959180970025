"""``UserTurnProcessor``: ends the user's turn early when the transcript is complete.

Placed between the STT and the user aggregator, with the input transport's
``vad_user_turns`` off (the bot file's ``[turn]`` section does both)::

    transport.input() → stt → UserTurnProcessor(analyzer) → user aggregator → llm ...

The VAD's own ``stop_secs`` is then a short pause (e.g. 0.2 s): at each pause the STT
gives the final transcript of the speech so far, and the turn ends at once if the
:class:`~rtvi_core.services.turn_analyzer.TurnAnalyzer` finds it complete, else after
the analyzer's ``stop_secs`` of silence, unless the user goes on first.
"""

from __future__ import annotations

from .._deps import anyio
from ..direction import FrameDirection
from ..frames import (
    CancelFrame,
    EndFrame,
    Frame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ..frames.audio import USER_AUDIO_FRAMES
from ..frames.rtvi import MESSAGE_FRAMES
from ..processor import FrameProcessor
from ..runtime import ManagedTask
from .turn_analyzer import TurnAnalyzer

#: The turn analyzer reads the end of the turn's text, at most this many characters: a turn
#: of many segments (or one huge transcript) costs the same per pause as a short one.
ANALYZED_CHARS = 1000


class UserTurnProcessor(FrameProcessor):
    """Turns the VAD's speech segments into user turns.

    At the first ``VADUserStartedSpeakingFrame`` of a turn it pushes
    ``UserStartedSpeakingFrame`` and (when the run allows them) interrupts the bot. At a
    ``VADUserStoppedSpeakingFrame`` the turn pauses; the next final ``TranscriptionFrame``
    (pushed on first) is added to the turn's text and, if ``analyzer`` finds that text
    complete (:meth:`~rtvi_core.services.turn_analyzer.TurnAnalyzer.wait_secs` is 0),
    ``UserStoppedSpeakingFrame`` ends the turn. Otherwise the turn ends that many seconds
    (``analyzer.stop_secs`` until a final came) plus the VAD's ``start_secs`` after the end
    of speech (the stop frame's ``stop_secs`` already passed), unless the VAD hears speech again first: then
    the turn goes on, and its next segment's transcript joins the same user message. (The
    VAD confirms speech ``start_secs`` after it resumes: so a pause of up to
    ``analyzer.stop_secs`` is bridged, as a VAD with that hang-over would.)
    """

    passes_through = MESSAGE_FRAMES | USER_AUDIO_FRAMES

    def __init__(self, analyzer: TurnAnalyzer, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._analyzer = analyzer
        self._open = False  # a user turn has started and not ended
        self._paused = False  # ... and the VAD has stopped: the turn may end
        self._text = ""  # the end of the turn's final transcripts, joined (ANALYZED_CHARS)
        self._hold: ManagedTask | None = None
        self._start_secs = 0.0  # the VAD's: how long after speech resumes the turn knows it
        self._speech_end = 0.0  # when the paused turn's speech ended (the event loop's clock)

    @property
    def analyzer(self) -> TurnAnalyzer:
        """What decides whether a paused turn is complete."""
        return self._analyzer

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._start_secs = frame.start_secs
            await self._speech_started()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speech_stopped(frame.stop_secs)
        elif isinstance(frame, TranscriptionFrame) and self._open:
            await self._final(frame.text)
        elif isinstance(frame, (StartFrame, EndFrame, CancelFrame)):
            self._reset()

    async def _speech_started(self) -> None:
        self._paused = False
        self._stop_hold()
        if self._open:
            return
        self._open = True
        await self.push_frame(UserStartedSpeakingFrame())
        if self.interruptions_allowed:
            await self.broadcast_interruption()

    def _speech_stopped(self, paused_secs: float) -> None:
        if not self._open or self._paused:
            return
        self._paused = True
        self._speech_end = anyio.current_time() - paused_secs
        self._hold_until(self._analyzer.stop_secs)

    def _hold_until(self, wait_secs: float) -> None:
        """End the paused turn ``wait_secs`` (plus the VAD's ``start_secs``) after its speech ended."""
        self._stop_hold()
        deadline = self._speech_end + wait_secs + self._start_secs
        self._hold = self.create_task(self._end_after(max(0.0, deadline - anyio.current_time())), "hold")

    async def _final(self, text: str) -> None:
        text = text.strip()
        if text:
            self._text = f"{self._text} {text[-ANALYZED_CHARS:]}"[-ANALYZED_CHARS:].lstrip()
        if not (self._paused and self._text):
            return
        wait = min(await self._analyzer.wait_secs(self._text), self._analyzer.stop_secs)
        if not self._paused:  # (the user may have gone on while the analyzer ran)
            return
        if wait <= 0:
            await self._end_turn()
        else:
            self._hold_until(wait)

    async def _end_after(self, secs: float) -> None:
        await anyio.sleep(secs)
        self._hold = None
        if self._paused:
            await self._end_turn()

    async def _end_turn(self) -> None:
        self._reset()
        await self.push_frame(UserStoppedSpeakingFrame())

    def _stop_hold(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    def _reset(self) -> None:
        self._stop_hold()
        self._open = self._paused = False
        self._text = ""
