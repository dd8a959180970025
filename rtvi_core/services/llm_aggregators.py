"""Context aggregators: turn user speech and bot replies into context messages.

Place them around the LLM, Pipecat style::

    pair = LLMContextAggregatorPair(context)
    Pipeline([transport.input(), stt, pair.user(), llm, tts, transport.output(), pair.assistant()])

The **user aggregator** collects final transcriptions of a user turn, adds them as
one user message and pushes an :class:`LLMContextFrame` downstream to run the LLM.
It also owns the context edits sent from the head of the pipeline
(:class:`LLMMessagesAppendFrame`, :class:`LLMMessagesUpdateFrame`,
:class:`LLMRunFrame`, :class:`LLMSetToolsFrame`).

The **assistant aggregator**, after the output transport, records what the bot said
(and the tool calls and results) and runs the LLM again, by pushing an
:class:`LLMContextFrame` upstream, once a batch of tool results is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._deps import anyio
from ..direction import FrameDirection
from ..frames import (
    AggregatedTextFrame,
    ControlFrame,
    Frame,
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMMessagesUpdateFrame,
    LLMRunFrame,
    LLMSetToolsFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from ..frames.audio import USER_AUDIO_FRAMES
from ..frames.rtvi import MESSAGE_FRAMES
from ..llm_context import LLMContext
from ..processor import FrameProcessor
from ..runtime import ManagedTask

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


@dataclass
class LLMUserAggregatorParams:
    """Settings of the user aggregator.

    ``aggregation_timeout``: seconds to gather transcriptions that arrive outside any
    user turn (e.g. text without VAD) before running the LLM. (The first final after
    a turn that had none is that turn's, however long the STT took: it is sent at once.)
    ``max_turn_chars``: the most text one user turn gathers (16,384 characters are
    about 20 minutes of speech); the rest of the turn is dropped, with one non-fatal
    error (an RTVI ``error``) per turn.
    """

    aggregation_timeout: float = 0.5
    max_turn_chars: int = 16_384


@dataclass(eq=False)
class _UserTurnEndFrame(ControlFrame):
    """Queued by the user aggregator to itself at the end of a user turn.

    ``UserStoppedSpeakingFrame`` is a system frame and overtakes the transcriptions
    still queued at the aggregator; this marker ends the turn in queue order.
    """

    interruptible = False


#: Frames at which the assistant aggregator commits the reply text gathered so far.
_COMMIT_FRAMES = (LLMFullResponseStartFrame, LLMFullResponseEndFrame, InterruptionFrame)


class LLMAssistantAggregator(FrameProcessor):
    """Adds the bot's replies, tool calls and tool results to the context.

    Text rule (never counts a reply twice): once a TTS frame (``TTSStartedFrame``,
    ``TTSStoppedFrame``, ``AggregatedTextFrame``, ``TTSTextFrame``) has reached the
    aggregator the pipeline has a TTS, and the reply is the spoken text
    (``TTSTextFrame``s, joined with spaces) plus unspoken segments
    (``AggregatedTextFrame(will_be_spoken=False)``); before that, the reply is the
    concatenated ``LLMTextFrame``s. Text is committed as one assistant message at
    ``LLMFullResponseStartFrame``/``LLMFullResponseEndFrame``, ``TTSStoppedFrame``,
    an ``InterruptionFrame`` (the part played so far), before a tool call is
    recorded, and before the next user message (see :class:`LLMUserAggregator`).

    Tool calls: ``FunctionCallInProgressFrame`` adds an assistant ``tool_calls``
    message and a pending tool message; ``FunctionCallResultFrame`` fills it in and,
    once every call of the batch announced by ``FunctionCallsStartedFrame`` has a
    result, pushes ``LLMContextFrame`` upstream unless the completing result says
    ``run_llm=False``; ``FunctionCallCancelFrame`` marks the call cancelled (also
    when, being a system frame, it overtakes the call's queued in-progress frame).
    """

    passes_through = MESSAGE_FRAMES | USER_AUDIO_FRAMES

    def __init__(self, context: LLMContext, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._context = context
        self._spoken: list[str] = []
        self._generated: list[str] = []
        self._has_tts = False
        # Announced calls without a result: tool_call_id -> whether its tool message exists.
        self._calls_in_progress: dict[str, bool] = {}
        # Cancelled (a system frame) before their queued in-progress frame arrived.
        self._cancelled_early: set[str] = set()

    @property
    def context(self) -> LLMContext:
        """The context this aggregator writes to."""
        return self._context

    def commit(self) -> None:
        """Add the reply text gathered so far (if any) as an assistant message."""
        if self._has_tts:
            text = " ".join(self._spoken).strip()
        else:
            text = "".join(self._generated).strip()
        self._spoken.clear()
        self._generated.clear()
        if text:
            self._context.add_message({"role": "assistant", "content": text})

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, AggregatedTextFrame):
            # TTSTextFrame (spoken) or a segment announced before its audio/unspoken.
            self._has_tts = True
            if frame.append_to_context and (isinstance(frame, TTSTextFrame) or not frame.will_be_spoken):
                self._spoken.append(frame.text)
        elif isinstance(frame, LLMTextFrame):
            if frame.append_to_context:
                self._generated.append(frame.text)
        elif isinstance(frame, _COMMIT_FRAMES):
            self.commit()
        elif isinstance(frame, TTSStoppedFrame):
            self._has_tts = True
            self.commit()
        elif isinstance(frame, TTSStartedFrame):
            self._has_tts = True
        elif isinstance(frame, FunctionCallsStartedFrame):
            for call in frame.function_calls:
                self._calls_in_progress[call.tool_call_id] = False
        elif isinstance(frame, FunctionCallInProgressFrame):
            self._on_in_progress(frame)
        elif isinstance(frame, FunctionCallResultFrame):
            await self._on_result(frame)
        elif isinstance(frame, FunctionCallCancelFrame):
            recorded = self._calls_in_progress.pop(frame.tool_call_id, None)
            if recorded:
                self._context.mark_tool_cancelled(frame.tool_call_id)
            elif recorded is False:
                self._cancelled_early.add(frame.tool_call_id)
        await self.push_frame(frame, direction)

    def _on_in_progress(self, frame: FunctionCallInProgressFrame) -> None:
        self.commit()
        tool_call_id = frame.tool_call_id
        self._context.add_tool_call(frame.function_name, tool_call_id, frame.arguments)
        if tool_call_id in self._cancelled_early:
            self._cancelled_early.discard(tool_call_id)
            self._context.mark_tool_cancelled(tool_call_id)
        else:
            self._calls_in_progress[tool_call_id] = True

    async def _on_result(self, frame: FunctionCallResultFrame) -> None:
        if self._calls_in_progress.pop(frame.tool_call_id, None) is None:
            return  # cancelled, or not announced to this context
        self._context.set_tool_result(frame.tool_call_id, frame.result)
        run_llm = frame.run_llm
        if run_llm is None and frame.properties is not None:
            run_llm = frame.properties.run_llm
        if not self._calls_in_progress and run_llm is not False:
            await self.push_frame(LLMContextFrame(context=self._context), UPSTREAM)


class LLMUserAggregator(FrameProcessor):
    """Turns user turns and context edits into context updates and LLM runs.

    Final ``TranscriptionFrame``s between ``UserStartedSpeakingFrame`` and
    ``UserStoppedSpeakingFrame`` are joined into one user message when the turn
    ends (or, if none has arrived yet, when the first late final arrives, as from
    an STT that transcribes whole utterances); other finals outside any turn are sent
    ``aggregation_timeout`` after the last one. Each user message is followed by an
    ``LLMContextFrame`` pushed downstream. Transcriptions are consumed here. A turn
    keeps at most ``params.max_turn_chars`` characters.

    ``LLMMessagesAppendFrame``/``LLMMessagesUpdateFrame`` edit the context and run
    the LLM only when ``run_llm`` is true; ``LLMRunFrame`` runs it;
    ``LLMSetToolsFrame`` replaces the tools. These frames are consumed here.
    With ``assistant`` given, its pending reply is committed before each edit, so
    an interrupted reply precedes the next user message.
    """

    passes_through = MESSAGE_FRAMES | USER_AUDIO_FRAMES

    def __init__(
        self,
        context: LLMContext,
        *,
        params: LLMUserAggregatorParams | None = None,
        assistant: LLMAssistantAggregator | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._context = context
        self._params = params or LLMUserAggregatorParams()
        self._assistant = assistant
        self._parts: list[str] = []
        self._turn_chars = 0  # length of the turn's text: the parts joined with spaces
        self._turn_cut = False  # the turn reached max_turn_chars (reported once)
        self._user_speaking = False
        self._awaiting_final = False
        self._timer: ManagedTask | None = None

    @property
    def context(self) -> LLMContext:
        """The context this aggregator writes to."""
        return self._context

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            await self._on_transcription(frame.text)
        elif isinstance(frame, InterimTranscriptionFrame):
            pass
        elif isinstance(frame, UserStartedSpeakingFrame):
            self._user_speaking = True
            self._awaiting_final = False
            self._stop_timer()
            await self.push_frame(frame, direction)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._user_speaking = False
            await self.queue_frame(_UserTurnEndFrame())
            await self.push_frame(frame, direction)
        elif isinstance(frame, _UserTurnEndFrame):
            if self._parts:
                await self._push_aggregation()
            elif not self._user_speaking:
                self._awaiting_final = True
        elif isinstance(frame, LLMMessagesAppendFrame):
            self._commit_assistant()
            self._context.add_messages(frame.messages)
            if frame.run_llm:
                await self._push_context()
        elif isinstance(frame, LLMMessagesUpdateFrame):
            self._commit_assistant()
            self._context.set_messages(frame.messages)
            if frame.run_llm:
                await self._push_context()
        elif isinstance(frame, LLMRunFrame):
            self._commit_assistant()
            await self._push_context()
        elif isinstance(frame, LLMSetToolsFrame):
            self._context.set_tools(frame.tools)
        else:
            await self.push_frame(frame, direction)

    async def _on_transcription(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        limit = self._params.max_turn_chars
        room = limit - self._turn_chars - (1 if self._parts else 0)
        if len(text) > room:
            if not self._turn_cut:
                self._turn_cut = True
                await self.push_error(
                    f"{self}: the user turn is longer than {limit} characters: the rest of it is dropped"
                )
            if room <= 0:
                return
            text = text[:room]
        self._parts.append(text)
        self._turn_chars += len(text) + (1 if len(self._parts) > 1 else 0)
        if self._user_speaking:
            return
        if self._awaiting_final:
            await self._push_aggregation()
        else:
            self._start_timer()

    def _start_timer(self) -> None:
        self._stop_timer()
        self._timer = self.create_task(self._on_timeout(), name="aggregation_timeout")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _on_timeout(self) -> None:
        await anyio.sleep(self._params.aggregation_timeout)
        self._timer = None
        if self._parts and not self._user_speaking:
            await self._push_aggregation()

    async def _push_aggregation(self) -> None:
        self._stop_timer()
        self._awaiting_final = False
        text = " ".join(self._parts)
        self._parts.clear()
        self._turn_chars = 0
        self._turn_cut = False
        self._commit_assistant()
        self._context.add_message({"role": "user", "content": text})
        await self._push_context()

    def _commit_assistant(self) -> None:
        if self._assistant is not None:
            self._assistant.commit()

    async def _push_context(self) -> None:
        await self.push_frame(LLMContextFrame(context=self._context))


class LLMContextAggregatorPair:
    """The user and assistant aggregators of one shared context."""

    def __init__(
        self,
        context: LLMContext | None = None,
        *,
        user_params: LLMUserAggregatorParams | None = None,
    ) -> None:
        self._context = context if context is not None else LLMContext()
        self._assistant = LLMAssistantAggregator(self._context)
        self._user = LLMUserAggregator(self._context, params=user_params, assistant=self._assistant)

    @property
    def context(self) -> LLMContext:
        """The shared context."""
        return self._context

    def user(self) -> LLMUserAggregator:
        """The aggregator to place before the LLM."""
        return self._user

    def assistant(self) -> LLMAssistantAggregator:
        """The aggregator to place after the output transport."""
        return self._assistant
