"""``RTVIObserver``: turns pipeline events into RTVI server → client messages (spec §6–§11).

The observer watches frame hops (it is not a processor) and sends each message
through :meth:`RTVIProcessor.push_transport_message` (the urgent path). Rules:

* every frame is reported once, at its first reported hop (the frame is marked);
* frames that go both ways (speaking state, interruptions, tool calls, ...) are
  reported from their downstream copy only; app frames (``RTVIServerMessageFrame``,
  ``RTVIServerResponseFrame``, UI frames) and metrics from either direction;
* text segments (``AggregatedTextFrame``/``TTSTextFrame``) only when pushed by the
  output transport (an :class:`~rtvi_core.transport_roles.OutputTransportRole`), so
  they are in step with playback — see :mod:`.bot_output`;
* frames pushed by an ignored source are not reported.

The observer keeps the route table (frame class → handler, and from which hops) and
the simple events; three families have parts of their own: tool calls
(:mod:`.function_call_reports`), the LLM's text (:mod:`.bot_llm_text`) and the text
the bot speaks (:mod:`.bot_output`).

Only the frame classes the enabled features need are observed (``frame_types``), so
other frames cost nothing. Params are read when the observer is made, except
``vad_user_speaking_enabled`` and ``function_call_report_level``, which an
:class:`~rtvi_core.frames.rtvi.RTVIObserverConfigFrame` changes at run time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

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
from ..frames.rtvi import (
    RTVIObserverConfigFrame,
    RTVISendTextFrame,
    RTVIServerMessageFrame,
    RTVIServerResponseFrame,
    RTVIUICommandFrame,
    RTVIUIJobGroupFrame,
)
from ..frames.text import time_now_iso8601
from ..observers import BaseObserver, FramePushed
from ..transport_roles import OutputTransportRole
from ._deps import rtvi_messages as m
from .bot_llm_text import BotLLMTextReporter
from .bot_output import RAW_TEXT_VERSION, BotOutputReporter
from .function_call_reports import FunctionCallReporter
from .metrics_payload import metrics_payload
from .observer_params import BotOutputTransform, FunctionCallReportLevel, RTVIObserverParams
from .system_log import forward_system_logs

if TYPE_CHECKING:
    from ..processor import FrameProcessor
    from .processor import RTVIProcessor

__all__ = ["FunctionCallReportLevel", "RTVIObserver", "RTVIObserverParams"]

UPSTREAM = FrameDirection.UPSTREAM

# Where a frame's hop is reported from.
_ANY = 0  # either direction
_DOWN = 1  # downstream hops only
_OUTPUT = 2  # downstream hops pushed by the output transport

#: A route's function, called with the route's receiver (the observer, or one of its
#: reporters), the frame and its timestamp.
Handler = Callable[[Any, Any, int], Awaitable[None]]
#: Frame class -> (function, where it is reported from, receiver; None: the observer).
Route = tuple[Handler, int, Any]


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
        self._calls = FunctionCallReporter(params.function_call_report_level, self._send)
        self._vad_enabled = params.vad_user_speaking_enabled
        self._output = BotOutputReporter(params, self._send, rtvi)
        self._llm_text = BotLLMTextReporter(self._send)
        if params.user_audio_level_enabled or params.bot_audio_level_enabled:
            from .audio_level import AudioLevelMeter  # off by default: load it only when used

            self._user_level = AudioLevelMeter(params.audio_level_period_secs)
            self._bot_level = AudioLevelMeter(params.audio_level_period_secs)
        self._stop_system_logs: Callable[[], None] | None = None
        #: Frame class -> route: the classes handled, then subclasses as they are resolved.
        self._routes: dict[type, Route] = self._build_routes()
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

    def add_bot_output_transformer(self, transform_function: BotOutputTransform, aggregation_type: str = "*") -> None:
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
        handler, where, receiver = self._routes.get(type(frame)) or self._resolve(type(frame))
        if where and (
            data.direction is UPSTREAM or (where == _OUTPUT and not isinstance(data.source, OutputTransportRole))
        ):
            return
        marks[key] = True
        # The first reportable hop decides: a frame an ignored source pushed stays unreported.
        if self._ignored and data.source in self._ignored:
            return
        await handler(self if receiver is None else receiver, frame, data.timestamp)

    # -- routing ----------------------------------------------------------------------

    def _build_routes(self) -> dict[type, Route]:
        # Functions of the classes, called with their receiver: bound methods of the
        # observer would be a reference cycle (observer -> routes -> observer).
        p, cls = self._params, type(self)
        calls, llm_text = type(self._calls), type(self._llm_text)
        routes: dict[type, Route] = {
            InterruptionFrame: (cls._interruption, _DOWN, None),
            BotStartedSpeakingFrame: (cls._bot_started_speaking, _DOWN, None),
            BotStoppedSpeakingFrame: (cls._bot_stopped_speaking, _DOWN, None),
            VADUserStartedSpeakingFrame: (_vad(m.VADUserStartedSpeaking()), _DOWN, None),
            VADUserStoppedSpeakingFrame: (_vad(m.VADUserStoppedSpeaking()), _DOWN, None),
            FunctionCallsStartedFrame: (calls.started, _DOWN, self._calls),
            FunctionCallInProgressFrame: (calls.in_progress, _DOWN, self._calls),
            FunctionCallResultFrame: (calls.result, _DOWN, self._calls),
            FunctionCallCancelFrame: (calls.cancel, _DOWN, self._calls),
            RTVIServerMessageFrame: (cls._server_message, _ANY, None),
            RTVIServerResponseFrame: (cls._server_response, _ANY, None),
            RTVIUICommandFrame: (cls._ui_command, _ANY, None),
            RTVIUIJobGroupFrame: (cls._ui_job_group, _ANY, None),
            RTVIObserverConfigFrame: (cls._configure, _ANY, None),
        }
        if p.user_speaking_enabled:
            routes[UserStartedSpeakingFrame] = (_constant(m.UserStartedSpeaking()), _DOWN, None)
            routes[UserStoppedSpeakingFrame] = (_constant(m.UserStoppedSpeaking()), _DOWN, None)
        if p.user_mute_enabled:
            routes[UserMuteStartedFrame] = (_constant(m.UserMuteStarted()), _DOWN, None)
            routes[UserMuteStoppedFrame] = (_constant(m.UserMuteStopped()), _DOWN, None)
        if p.user_transcription_enabled or p.user_input_enabled or p.stt_raw_text_enabled:
            routes[TranscriptionFrame] = (cls._transcription, _DOWN, None)
            routes[InterimTranscriptionFrame] = (cls._transcription, _DOWN, None)
        if p.user_input_enabled:
            routes[RTVISendTextFrame] = (cls._user_text, _DOWN, None)
        if p.user_llm_enabled:
            routes[LLMContextFrame] = (cls._user_llm_text, _DOWN, None)
        if p.bot_llm_enabled:
            routes[LLMFullResponseStartFrame] = (_constant(m.BotLLMStarted()), _DOWN, None)
            routes[LLMFullResponseEndFrame] = (llm_text.stopped, _DOWN, self._llm_text)
            routes[LLMTextFrame] = (llm_text.text, _DOWN, self._llm_text)
        if p.llm_raw_text_enabled:
            routes[LLMTextFrame] = (cls._llm_raw_text, _DOWN, None)
        if p.bot_tts_enabled:
            routes[TTSStartedFrame] = (_constant(m.BotTTSStarted()), _DOWN, None)
            routes[TTSStoppedFrame] = (_constant(m.BotTTSStopped()), _DOWN, None)
        if p.bot_output_enabled or p.bot_tts_enabled or p.tts_raw_text_enabled:
            routes[AggregatedTextFrame] = (cls._output_segment, _OUTPUT, None)
            routes[TTSTextFrame] = (cls._output_spoken, _OUTPUT, None)
        if p.metrics_enabled:
            routes[MetricsFrame] = (cls._metrics, _ANY, None)
        if p.user_audio_level_enabled:
            routes[InputAudioRawFrame] = (cls._user_audio, _DOWN, None)
        if p.bot_audio_level_enabled:
            routes[TTSAudioRawFrame] = (cls._bot_audio, _DOWN, None)
        return routes

    def _resolve(self, frame_type: type) -> Route:
        for base in frame_type.__mro__:
            route = self._routes.get(base)
            if route is not None:
                self._routes[frame_type] = route
                return route
        raise TypeError(f"{self}: no route for {frame_type.__name__}")  # frame_types prevents it

    # -- speaking state and interruptions ---------------------------------------------------

    async def _interruption(self, frame: InterruptionFrame, timestamp: int) -> None:
        self._output.interrupted()
        self._llm_text.interrupted()
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

    async def _transcription(self, frame: TranscriptionFrame | InterimTranscriptionFrame, timestamp: int) -> None:
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
            transcription = m.UserTranscriptionData(
                text=frame.text, user_id=frame.user_id, timestamp=frame.timestamp, final=final
            )
            if raw:
                await self._send(m.STTRawText(data=transcription))
            if params.user_transcription_enabled:
                await self._send(m.UserTranscription(data=transcription))

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

    async def _llm_raw_text(self, frame: LLMTextFrame, timestamp: int) -> None:
        """``llm-raw-text`` (2.2.0+ clients), then the ``bot-llm-text`` path if enabled."""
        if self._rtvi.client_at_least(RAW_TEXT_VERSION):
            await self._send(m.LLMRawText(data=m.TextData(text=frame.text)))
        if self._params.bot_llm_enabled:
            await self._llm_text.text(frame, timestamp)

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
            self._calls.set_levels(frame.function_call_report_level)
            self._params.function_call_report_level = self._calls.levels
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
    return " ".join(part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))


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
