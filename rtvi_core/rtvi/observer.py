"""``RTVIObserver``: turns pipeline events into RTVI server → client messages (spec §6–§11).

The observer watches frame hops (it is not a processor) and sends each message
through :meth:`RTVIProcessor.push_transport_message` (the urgent path). Rules:

* every frame is reported once, at its first reported hop (the frame is marked);
* frames that go both ways (speaking state, interruptions, tool calls, ...) are
  reported from their downstream copy only; app frames (``RTVIServerMessageFrame``,
  ``RTVIServerResponseFrame``, UI frames) and metrics from either direction;
* text segments (``AggregatedTextFrame``/``TTSTextFrame``) only when pushed by the
  output transport (a :class:`~rtvi_core.services.BaseOutputTransport`), so they are
  in step with playback — see :mod:`.bot_output`;
* frames pushed by an ignored source are not reported.

Only the frame classes the enabled features need are observed (``frame_types``), so
other frames cost nothing. Params are read when the observer is made, except
``vad_user_speaking_enabled`` and ``function_call_report_level``, which an
:class:`~rtvi_core.rtvi.frames.RTVIObserverConfigFrame` changes at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

from .._deps import rtvi_messages as m
from ..direction import FrameDirection
from ..frames import (
    AggregatedTextFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ..observers import BaseObserver, FramePushed
from ..services.output_transport import BaseOutputTransport
from ..services.stt import time_now_iso8601
from .bot_output import RAW_TEXT_VERSION, BotOutputReporter, BotOutputTransform
from .frames import (
    RTVIObserverConfigFrame,
    RTVISendTextFrame,
    RTVIServerMessageFrame,
    RTVIServerResponseFrame,
    RTVIUICommandFrame,
    RTVIUIJobGroupFrame,
)
from .metrics_payload import metrics_payload
from .observer_params import (
    FunctionCallReportLevel,
    RTVIObserverParams,
    normalize_report_levels,
)
from .system_log import forward_system_logs

if TYPE_CHECKING:
    from ..processor import FrameProcessor
    from .processor import RTVIProcessor

__all__ = ["RTVIObserver", "RTVIObserverParams", "FunctionCallReportLevel"]

UPSTREAM = FrameDirection.UPSTREAM
NONE = FunctionCallReportLevel.NONE
FULL = FunctionCallReportLevel.FULL
DISABLED = FunctionCallReportLevel.DISABLED
#: Levels that reveal a call's arguments.
_WITH_ARGUMENTS = frozenset({FunctionCallReportLevel.ARGUMENTS, FULL})

# Where a frame's hop is reported from.
_ANY = 0  # either direction
_DOWN = 1  # downstream hops only
_OUTPUT = 2  # downstream hops pushed by the output transport

#: Last characters (before closing quotes/brackets) that end a sentence.
_SENTENCE_ENDS = frozenset(".!?…。！？")
_CLOSERS = "\"')]}»”’"

Handler = Callable[[Any, Any, int], Awaitable[None]]  # (observer, frame, timestamp)


class RTVIObserver(BaseObserver):
    """Sends RTVI events for what happens in the pipeline; made by ``RTVIProcessor``.

    ``RTVIObserver(rtvi, params=RTVIObserverParams(...))``; the task registers one
    automatically when RTVI is on.
    """

    def __init__(self, rtvi: RTVIProcessor, *, params: RTVIObserverParams | None = None) -> None:
        self._rtvi = rtvi
        self._params = params = params or RTVIObserverParams()
        self._send = rtvi.push_transport_message
        self._seen_key = f"_rtvi_seen_{id(self)}"
        self.seen_key = self._seen_key  # lets the runtime skip hops of reported frames
        self._ignored: set[FrameProcessor] = set(params.ignored_sources)
        self._report_levels = normalize_report_levels(params.function_call_report_level)
        self._vad_enabled = params.vad_user_speaking_enabled
        self._output = BotOutputReporter(params, self._send, rtvi)
        self._transcript: list[str] = []
        if params.user_audio_level_enabled or params.bot_audio_level_enabled:
            from .audio_level import AudioLevelMeter  # off by default: load it only when used

            self._user_level = AudioLevelMeter(params.audio_level_period_secs)
            self._bot_level = AudioLevelMeter(params.audio_level_period_secs)
        self._stop_system_logs: Callable[[], None] | None = None
        #: Frame class -> route: the classes handled, then subclasses as they are resolved.
        self._routes: dict[type, tuple[Handler, int]] = self._build_routes()
        #: Exactly the frame classes handled (subclasses included).
        self.frame_types = tuple(self._routes)  # type: ignore[misc]

    # -- public API -------------------------------------------------------------------

    @property
    def params(self) -> RTVIObserverParams:
        """The observer's settings."""
        return self._params

    def add_ignored_source(self, source: FrameProcessor) -> None:
        """Stop reporting frames pushed by ``source``."""
        self._ignored.add(source)

    def remove_ignored_source(self, source: FrameProcessor) -> None:
        """Report frames pushed by ``source`` again (no error if it was not ignored)."""
        self._ignored.discard(source)

    def add_bot_output_transformer(
        self, transform_function: BotOutputTransform, aggregation_type: str = "*"
    ) -> None:
        """Transform the text of ``bot-output``/``bot-tts-text`` of ``aggregation_type`` (§7.5)."""
        self._output.transforms.add(aggregation_type, transform_function)

    def remove_bot_output_transformer(
        self, transform_function: BotOutputTransform, aggregation_type: str = "*"
    ) -> None:
        """Remove a transform added for ``aggregation_type``."""
        self._output.transforms.remove(aggregation_type, transform_function)

    async def on_pipeline_started(self) -> None:
        if self._params.system_logs_enabled and self._stop_system_logs is None:
            self._stop_system_logs = forward_system_logs(self._rtvi, self._send)

    async def on_pipeline_finished(self) -> None:
        if self._stop_system_logs is not None:
            self._stop_system_logs()
            self._stop_system_logs = None

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        marks = frame.__dict__
        key = self._seen_key
        if key in marks:  # already reported (most hops end here)
            return
        handler, where = self._routes.get(type(frame)) or self._resolve(type(frame))
        if where and (
            data.direction is UPSTREAM
            or (where == _OUTPUT and not isinstance(data.source, BaseOutputTransport))
        ):
            return
        marks[key] = True
        # The first reportable hop decides: a frame an ignored source pushed stays unreported.
        if self._ignored and data.source in self._ignored:
            return
        await handler(self, frame, data.timestamp)

    # -- routing ----------------------------------------------------------------------

    def _build_routes(self) -> dict[type, tuple[Handler, int]]:
        # Functions of the class, called with the observer: bound methods would be a
        # reference cycle (observer -> routes -> observer) left to the cyclic GC.
        p, cls = self._params, type(self)
        routes: dict[type, tuple[Handler, int]] = {
            InterruptionFrame: (cls._interruption, _DOWN),
            BotStartedSpeakingFrame: (cls._bot_started_speaking, _DOWN),
            BotStoppedSpeakingFrame: (cls._bot_stopped_speaking, _DOWN),
            VADUserStartedSpeakingFrame: (_vad(m.VADUserStartedSpeaking()), _DOWN),
            VADUserStoppedSpeakingFrame: (_vad(m.VADUserStoppedSpeaking()), _DOWN),
            FunctionCallsStartedFrame: (cls._function_calls_started, _DOWN),
            FunctionCallInProgressFrame: (cls._function_call_in_progress, _DOWN),
            FunctionCallResultFrame: (cls._function_call_result, _DOWN),
            FunctionCallCancelFrame: (cls._function_call_cancel, _DOWN),
            RTVIServerMessageFrame: (cls._server_message, _ANY),
            RTVIServerResponseFrame: (cls._server_response, _ANY),
            RTVIUICommandFrame: (cls._ui_command, _ANY),
            RTVIUIJobGroupFrame: (cls._ui_job_group, _ANY),
            RTVIObserverConfigFrame: (cls._configure, _ANY),
        }
        if p.user_speaking_enabled:
            routes[UserStartedSpeakingFrame] = (_constant(m.UserStartedSpeaking()), _DOWN)
            routes[UserStoppedSpeakingFrame] = (_constant(m.UserStoppedSpeaking()), _DOWN)
        if p.user_mute_enabled:
            routes[UserMuteStartedFrame] = (_constant(m.UserMuteStarted()), _DOWN)
            routes[UserMuteStoppedFrame] = (_constant(m.UserMuteStopped()), _DOWN)
        if p.user_transcription_enabled or p.user_input_enabled or p.stt_raw_text_enabled:
            routes[TranscriptionFrame] = (cls._transcription, _DOWN)
            routes[InterimTranscriptionFrame] = (cls._transcription, _DOWN)
        if p.user_input_enabled:
            routes[RTVISendTextFrame] = (cls._user_text, _DOWN)
        if p.user_llm_enabled:
            routes[LLMContextFrame] = (cls._user_llm_text, _DOWN)
        if p.bot_llm_enabled:
            routes[LLMFullResponseStartFrame] = (_constant(m.BotLLMStarted()), _DOWN)
            routes[LLMFullResponseEndFrame] = (cls._bot_llm_stopped, _DOWN)
            routes[LLMTextFrame] = (cls._bot_llm_text, _DOWN)
        if p.llm_raw_text_enabled:
            routes[LLMTextFrame] = (cls._llm_raw_text, _DOWN)
        if p.bot_tts_enabled:
            routes[TTSStartedFrame] = (_constant(m.BotTTSStarted()), _DOWN)
            routes[TTSStoppedFrame] = (_constant(m.BotTTSStopped()), _DOWN)
        if p.bot_output_enabled or p.bot_tts_enabled or p.tts_raw_text_enabled:
            routes[AggregatedTextFrame] = (cls._output_segment, _OUTPUT)
            routes[TTSTextFrame] = (cls._output_spoken, _OUTPUT)
        if p.metrics_enabled:
            routes[MetricsFrame] = (cls._metrics, _ANY)
        if p.user_audio_level_enabled:
            routes[InputAudioRawFrame] = (cls._user_audio, _DOWN)
        if p.bot_audio_level_enabled:
            routes[TTSAudioRawFrame] = (cls._bot_audio, _DOWN)
        return routes

    def _resolve(self, frame_type: type) -> tuple[Handler, int]:
        for base in frame_type.__mro__:
            route = self._routes.get(base)
            if route is not None:
                self._routes[frame_type] = route
                return route
        raise TypeError(f"{self}: no route for {frame_type.__name__}")  # frame_types prevents it

    # -- speaking state and interruptions ---------------------------------------------------

    async def _interruption(self, frame: InterruptionFrame, timestamp: int) -> None:
        self._output.interrupted()
        self._transcript.clear()
        if self._params.bot_speaking_enabled:
            await self._send(m.BotInterrupted())

    async def _bot_started_speaking(self, frame: Frame, timestamp: int) -> None:
        if self._params.bot_speaking_enabled:
            await self._send(m.BotStartedSpeaking())
        await self._output.bot_started_speaking()

    async def _bot_stopped_speaking(self, frame: Frame, timestamp: int) -> None:
        self._output.bot_stopped_speaking()
        if self._params.bot_speaking_enabled:
            await self._send(m.BotStoppedSpeaking())

    # -- user -------------------------------------------------------------------------

    async def _transcription(
        self, frame: TranscriptionFrame | InterimTranscriptionFrame, timestamp: int
    ) -> None:
        """``user-input``, ``stt-raw-text`` (2.2.0+ clients), ``user-transcription``, as enabled."""
        params = self._params
        final = isinstance(frame, TranscriptionFrame)
        if params.user_input_enabled:
            data = m.UserInputData(
                text=frame.text,
                input_type="transcription",
                timestamp=frame.timestamp,
                final=final,
                user_id=frame.user_id,
            )
            await self._send(m.UserInput(data=data))
        raw = params.stt_raw_text_enabled and self._rtvi.client_at_least(RAW_TEXT_VERSION)
        if raw or params.user_transcription_enabled:
            data = m.UserTranscriptionData(
                text=frame.text, user_id=frame.user_id, timestamp=frame.timestamp, final=final
            )
            if raw:
                await self._send(m.STTRawText(data=data))
            if params.user_transcription_enabled:
                await self._send(m.UserTranscription(data=data))

    async def _user_text(self, frame: RTVISendTextFrame, timestamp: int) -> None:
        """``user-input`` for the text of a ``send-text`` (``chat``, final, with its id)."""
        data = m.UserInputData(
            text=frame.text,
            input_type="chat",
            timestamp=time_now_iso8601(),
            final=True,
            msg_id=frame.msg_id,
        )
        if frame.user_id is not None:
            data.user_id = frame.user_id
        await self._send(m.UserInput(data=data))

    async def _user_llm_text(self, frame: LLMContextFrame, timestamp: int) -> None:
        text = _last_user_text(frame.context.messages)
        if text is not None:
            await self._send(m.UserLLMText(data=m.TextData(text=text)))

    async def _user_audio(self, frame: InputAudioRawFrame, timestamp: int) -> None:
        value = self._user_level.add(frame.audio, frame.sample_rate, frame.num_channels, timestamp)
        if value is not None:
            await self._send(m.UserAudioLevel(data=m.AudioLevelData(value=value)))

    # -- bot --------------------------------------------------------------------------

    async def _bot_llm_text(self, frame: LLMTextFrame, timestamp: int) -> None:
        text = frame.text  # the hot path: one event per LLM token
        await self._send(m.BotLLMText(data=m.TextData(text=text)))
        self._transcript.append(text)
        tail = text.rstrip().rstrip(_CLOSERS)
        if tail and tail[-1] in _SENTENCE_ENDS:
            await self._send_transcript()

    async def _llm_raw_text(self, frame: LLMTextFrame, timestamp: int) -> None:
        """``llm-raw-text`` (2.2.0+ clients), then the ``bot-llm-text`` path if enabled."""
        if self._rtvi.client_at_least(RAW_TEXT_VERSION):
            await self._send(m.LLMRawText(data=m.TextData(text=frame.text)))
        if self._params.bot_llm_enabled:
            await self._bot_llm_text(frame, timestamp)

    async def _bot_llm_stopped(self, frame: Frame, timestamp: int) -> None:
        if self._transcript:
            await self._send_transcript()
        await self._send(m.BotLLMStopped())

    async def _send_transcript(self) -> None:
        """Deprecated ``bot-transcription``: the LLM text gathered up to a sentence end."""
        text = "".join(self._transcript)
        self._transcript.clear()
        if text.strip():
            await self._send(m.BotTranscription(data=m.TextData(text=text)))

    async def _output_segment(self, frame: AggregatedTextFrame, timestamp: int) -> None:
        await self._output.segment(frame)

    async def _output_spoken(self, frame: TTSTextFrame, timestamp: int) -> None:
        await self._output.spoken(frame)

    async def _bot_audio(self, frame: TTSAudioRawFrame, timestamp: int) -> None:
        value = self._bot_level.add(frame.audio, frame.sample_rate, frame.num_channels, timestamp)
        if value is not None:
            await self._send(m.BotAudioLevel(data=m.AudioLevelData(value=value)))

    # -- metrics ------------------------------------------------------------------------

    async def _metrics(self, frame: MetricsFrame, timestamp: int) -> None:
        await self._send(m.Metrics(data=metrics_payload(frame.data)))

    # -- function calls ------------------------------------------------------------------

    def _report_level(self, function_name: str) -> FunctionCallReportLevel:
        levels = self._report_levels
        return levels.get(function_name) or levels.get("*") or NONE

    async def _function_calls_started(self, frame: FunctionCallsStartedFrame, timestamp: int) -> None:
        for call in frame.function_calls:
            level = self._report_level(call.function_name)
            if level is DISABLED:
                continue
            data = m.LLMFunctionCallStartedData()
            if level is not NONE:
                data.function_name = call.function_name
            await self._send(m.LLMFunctionCallStarted(data=data))

    async def _function_call_in_progress(
        self, frame: FunctionCallInProgressFrame, timestamp: int
    ) -> None:
        level = self._report_level(frame.function_name)
        if level is DISABLED:
            return
        data = m.LLMFunctionCallInProgressData(tool_call_id=frame.tool_call_id)
        if level is not NONE:
            data.function_name = frame.function_name
        if level in _WITH_ARGUMENTS:
            data.arguments = frame.arguments
        await self._send(m.LLMFunctionCallInProgress(data=data))

    async def _function_call_result(self, frame: FunctionCallResultFrame, timestamp: int) -> None:
        await self._function_call_stopped(frame.function_name, frame.tool_call_id, False, frame.result)

    async def _function_call_cancel(self, frame: FunctionCallCancelFrame, timestamp: int) -> None:
        await self._function_call_stopped(frame.function_name, frame.tool_call_id, True, None)

    async def _function_call_stopped(
        self, function_name: str, tool_call_id: str, cancelled: bool, result: Any
    ) -> None:
        level = self._report_level(function_name)
        if level is DISABLED:
            return
        data = m.LLMFunctionCallStoppedData(tool_call_id=tool_call_id, cancelled=cancelled)
        if level is not NONE:
            data.function_name = function_name
        if level is FULL and result:
            data.result = result
        await self._send(m.LLMFunctionCallStopped(data=data))

    # -- app and UI frames, configuration ---------------------------------------------------

    async def _server_message(self, frame: RTVIServerMessageFrame, timestamp: int) -> None:
        await self._send(m.ServerMessage(data=frame.data))

    async def _server_response(self, frame: RTVIServerResponseFrame, timestamp: int) -> None:
        msg_id = frame.client_msg.msg_id
        if frame.error is not None:
            await self._send(m.ErrorResponse(id=msg_id, data=m.ErrorResponseData(error=frame.error)))
        else:
            data = m.ServerResponseData(t=frame.client_msg.type, d=frame.data)
            await self._send(m.ServerResponse(id=msg_id, data=data))

    async def _ui_command(self, frame: RTVIUICommandFrame, timestamp: int) -> None:
        await self._send(m.UICommand(data=m.UICommandData(command=frame.command, payload=frame.payload)))

    async def _ui_job_group(self, frame: RTVIUIJobGroupFrame, timestamp: int) -> None:
        await self._send(m.UIJobGroup(data=frame.data))

    async def _configure(self, frame: RTVIObserverConfigFrame, timestamp: int) -> None:
        if frame.function_call_report_level is not None:
            self._report_levels = normalize_report_levels(frame.function_call_report_level)
            self._params.function_call_report_level = self._report_levels
        if frame.vad_user_speaking_enabled is not None:
            self._vad_enabled = self._params.vad_user_speaking_enabled = frame.vad_user_speaking_enabled

    def __str__(self) -> str:
        return f"RTVIObserver({self._rtvi})"


# -- payload helpers ---------------------------------------------------------------------


def _last_user_text(messages: list[Any]) -> str | None:
    """The last context message's text if the user sent it (list content: text parts, space-joined)."""
    if not messages:
        return None
    message = messages[-1]
    if not isinstance(message, dict) or message.get("role") != "user":
        return None
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content
    return " ".join(
        part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
    )


def _constant(message: m.OutboundMessage) -> Handler:
    """A route sending the same ``message`` for every frame."""

    async def send(observer: RTVIObserver, frame: Frame, timestamp: int) -> None:
        await observer._send(message)

    return send


def _vad(message: m.OutboundMessage) -> Handler:
    """A route sending ``message`` when VAD events are on (clients 2.0.0+)."""

    async def send(observer: RTVIObserver, frame: Frame, timestamp: int) -> None:
        if observer._vad_enabled:
            await observer._send(message)

    return send
