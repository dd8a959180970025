"""``RTVIProcessor``: client → server RTVI messages, at the head of the pipeline."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..direction import FrameDirection
from ..frames import (
    EndTaskFrame,
    ErrorFrame,
    Frame,
    FunctionCallResultFrame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InputTransportMessageFrame,
    InputTransportStartAudioStreamingFrame,
    KeypadEntry,
    LLMConfigureOutputFrame,
    LLMMessagesAppendFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
)
from ..frames.rtvi import RTVIClientMessage, RTVIClientMessageFrame, RTVISendTextFrame, RTVIUIMessageFrame
from ..processor import FrameProcessor
from ._deps import rtvi_messages as m

if TYPE_CHECKING:
    from .observer import RTVIObserver
    from .observer_params import RTVIObserverParams

logger = logging.getLogger("rtvi_core.rtvi")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

#: Inbound messages waiting to be handled; beyond this a message is refused.
MAX_PENDING_MESSAGES = 1024

_UI_TYPES = frozenset({"ui-event", "ui-snapshot", "ui-cancel-job-group"})
#: Messages handled in the delivering task when none is pending (see ``handle_message``).
_INLINE_TYPES = frozenset({"client-message", *_UI_TYPES})


if TYPE_CHECKING:
    #: A received message after its envelope check: valid, not RTVI (None), or malformed.
    _Parsed = m.ClientEnvelope | m.EnvelopeError | None


def _parse(message: Any) -> _Parsed:
    """The envelope of ``message``, None if it is not RTVI, or why it is malformed."""
    try:
        return m.parse_envelope(message)
    except m.EnvelopeError as exc:
        return exc


class RTVIProcessor(FrameProcessor):
    """Handles RTVI client messages and sends RTVI replies.

    Put at the head of the pipeline by :class:`~rtvi_core.PipelineTask` (``task.rtvi``).
    Inbound messages are handled one at a time, in arrival order. Events:

    * ``on_bot_started(rtvi)`` — the pipeline started;
    * ``on_client_ready(rtvi)`` — a ``client-ready`` arrived (the task answers it with
      ``bot-ready``; handlers run in order before the next message is handled);
    * ``on_client_message(rtvi, msg: RTVIClientMessage)`` — a ``client-message`` arrived;
      reply with :meth:`send_server_response` or :meth:`send_error_response`;
    * ``on_ui_message(rtvi, frame: RTVIUIMessageFrame)`` — a UI message arrived.
    """

    def __init__(
        self,
        *,
        transport: Any = None,
        about: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if transport is not None:
            logger.warning("RTVIProcessor(transport=...) is deprecated and ignored")
        for event in ("on_bot_started", "on_client_ready", "on_client_message", "on_ui_message"):
            self._register_event_handler(event)
        self._about = dict(about) if about else None
        self._client_version: m.VersionTuple | None = None
        self._client_ready_id = ""
        self._client_ready = False
        self._skip_tts = False
        self._handling = False  # a message is being handled (in line or in a task)
        self._pending: deque[_Parsed] | None = None  # messages that came meanwhile (made on demand)

    # -- state ------------------------------------------------------------------------

    @property
    def client_version(self) -> list[int]:
        """The client's protocol version (``[0, 0, 0]`` until ``client-ready``)."""
        return list(self._client_version or (0, 0, 0))

    @property
    def is_legacy_client(self) -> bool:
        """True when the client announced a 1.x protocol version."""
        return m.is_legacy_version(self._client_version)

    def client_at_least(self, version: m.VersionTuple) -> bool:
        """True when the client announced ``version`` (e.g. ``(2, 2, 0)``) or a later one."""
        return (self._client_version or (0, 0, 0)) >= version

    @property
    def client_ready(self) -> bool:
        """True once the client sent ``client-ready``."""
        return self._client_ready

    def create_rtvi_observer(self, *, params: RTVIObserverParams | None = None) -> RTVIObserver:
        """An :class:`RTVIObserver` that reports this pipeline's events through this processor."""
        from .observer import RTVIObserver

        return RTVIObserver(self, params=params)

    # -- sending ----------------------------------------------------------------------

    async def push_transport_message(self, message: Any, urgent: bool = True) -> None:
        """Send an RTVI message (a :mod:`~rtvi_core.rtvi.messages` Struct or a dict)."""
        frame_cls = OutputTransportMessageUrgentFrame if urgent else OutputTransportMessageFrame
        await self.push_frame(frame_cls(message=message), DOWNSTREAM)

    async def set_bot_ready(self, about: Mapping[str, Any] | None = None) -> None:
        """Send ``bot-ready`` for the last ``client-ready`` (id ``""`` if none came yet).

        It carries the negotiated version, ``about`` (default: this library and its
        version) and the task's ``capabilities`` (left out when not run by a task).
        """
        about = (
            dict(about)
            if about
            else self._about
            or {
                "library": "rtvi-core",
                "library_version": __version__,
            }
        )
        version = m.bot_ready_version(self._client_version)
        data = m.BotReadyData(version=version, about=about)
        if self._runtime is not None:
            data.capabilities = self._runtime.task.capabilities
        await self.push_transport_message(m.BotReady(id=self._client_ready_id, data=data))

    async def set_client_ready(self) -> None:
        """Mark the client ready and run the ``on_client_ready`` handlers."""
        self._client_ready = True
        await self._call_event_handler("on_client_ready")

    async def send_server_message(self, data: Any) -> None:
        """Send ``server-message`` with ``data``."""
        await self.push_transport_message(m.ServerMessage(data=data))

    async def send_server_response(self, client_msg: RTVIClientMessage, data: Any = None) -> None:
        """Answer a ``client-message`` with ``server-response`` ``{t, d}``."""
        await self.push_transport_message(
            m.ServerResponse(id=client_msg.msg_id, data=m.ServerResponseData(t=client_msg.type, d=data))
        )

    async def send_error_response(self, client_msg: RTVIClientMessage, error: str) -> None:
        """Answer a ``client-message`` with ``error-response`` ``{error}``."""
        await self._send_error_response(client_msg.msg_id, error)

    async def send_error(self, error: str) -> None:
        """Send a non-fatal ``error`` event."""
        await self.push_transport_message(m.ErrorMessage(data=m.ErrorData(error=error, fatal=False)))

    async def interrupt_bot(self) -> None:
        """Interrupt the bot (the whole pipeline drops queued output)."""
        await self.broadcast_interruption()

    async def handle_function_call(self, params: Any) -> None:
        """Deprecated: send ``llm-function-call`` for a client-side tool call."""
        await self.push_transport_message(
            m.LLMFunctionCall(
                data=m.LLMFunctionCallData(
                    function_name=params.function_name,
                    tool_call_id=params.tool_call_id,
                    args=params.arguments,
                )
            )
        )

    # -- receiving --------------------------------------------------------------------

    async def handle_message(self, message: Any) -> None:
        """Handle one decoded client message (a JSON object) after those already pending.

        Messages are handled one at a time, in arrival order. When none is pending, a
        ``client-message`` or UI message is handled right away in the caller's task
        (handling it only pushes frames and starts the event handlers' tasks); any
        other message, or one that comes while another is being handled, is handled
        in a task of its own, so that slow ``on_client_ready`` handlers, for
        instance, never hold up the caller. The envelope is checked first (nothing
        of the message is used before), and its error is answered in turn.
        """
        parsed = _parse(message)
        if self._handling:
            pending = self._pending
            if pending is None:
                pending = self._pending = deque()
            if len(pending) >= MAX_PENDING_MESSAGES:
                logger.warning("%s: %d messages pending, dropping one", self, MAX_PENDING_MESSAGES)
                await self.send_error("Too many pending RTVI messages: message dropped")
                return
            pending.append(parsed)
            return
        self._handling = True
        if type(parsed) is not m.ClientEnvelope or parsed.type not in _INLINE_TYPES:
            self.runtime.spawn(self._handle_in_order, parsed)
            return
        try:
            await self._handle_one(parsed)
        finally:
            self._handling = False
        if self._pending:  # came from another task meanwhile
            self._handling = True
            self.runtime.spawn(self._handle_in_order, self._pending.popleft())

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputTransportMessageFrame):
            await self.handle_message(frame.message)
            return
        if isinstance(frame, ErrorFrame) and direction is UPSTREAM:
            await self.push_transport_message(m.ErrorMessage(data=m.ErrorData(error=frame.error, fatal=frame.fatal)))
        elif isinstance(frame, LLMConfigureOutputFrame):
            self._skip_tts = frame.skip_tts
        elif isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            self._fire_event_handler("on_bot_started")
            return
        await self.push_frame(frame, direction)

    async def cleanup(self) -> None:
        await super().cleanup()
        self._handling = False
        self._pending = None

    async def _handle_in_order(self, parsed: _Parsed) -> None:
        """Handle ``parsed``, then the messages pending behind it (in a task of its own)."""
        try:
            await self._handle_one(parsed)
            while self._pending:
                await self._handle_one(self._pending.popleft())
        finally:
            self._handling = False

    async def _handle_one(self, envelope: _Parsed) -> None:
        if type(envelope) is not m.ClientEnvelope:
            if envelope is None:
                logger.debug("%s: ignoring a message that is not RTVI", self)
            elif isinstance(envelope, m.EnvelopeError):  # what _parse returns for a bad envelope
                await self.send_error(envelope.error_text)
            return
        try:
            data = m.validate_data(envelope.type, envelope.data)
            await self._dispatch(envelope, data)
        except m.RTVIMessageError as exc:
            if exc.reply is None:
                logger.warning("%s: dropped %s message: %s", self, envelope.type, exc)
            else:
                await self._send_error_response(envelope.id, exc.error_text)
        except Exception as exc:
            logger.exception("%s: failed handling %s", self, envelope.type)
            await self._send_error_response(envelope.id, f"Exception processing message: {exc}")

    async def _dispatch(self, envelope: m.ClientEnvelope, data: Any) -> None:
        msg_type = envelope.type
        if msg_type == "client-ready":
            await self._on_client_ready(envelope.id, data)
        elif msg_type == "disconnect-bot":
            await self.push_frame(EndTaskFrame(reason="disconnect-bot"), UPSTREAM)
        elif msg_type == "client-message":
            client_msg = RTVIClientMessage(msg_id=envelope.id, type=data.t, data=data.d)
            await self.push_frame(RTVIClientMessageFrame(msg_id=envelope.id, type=data.t, data=data.d), DOWNSTREAM)
            self._fire_event_handler("on_client_message", client_msg)
        elif msg_type == "send-text":
            await self._on_send_text(envelope.id, data)
        elif msg_type == "llm-function-call-result":
            await self.push_frame(
                FunctionCallResultFrame(
                    function_name=data.function_name,
                    tool_call_id=data.tool_call_id,
                    arguments=data.arguments,
                    result=data.result,
                ),
                DOWNSTREAM,
            )
        elif msg_type == "dtmf":
            for key in data.buttons:
                await self.push_frame(InputDTMFFrame(button=KeypadEntry(key)), DOWNSTREAM)
        elif msg_type == "raw-audio":
            await self._push_audio([data.pcm()], data.sample_rate, data.num_channels)
        elif msg_type == "raw-audio-batch":
            await self._push_audio(data.pcm_chunks(), data.sample_rate, data.num_channels)
        elif msg_type in _UI_TYPES:
            frame = RTVIUIMessageFrame(msg_id=envelope.id, type=msg_type, data=envelope.data)
            await self.push_frame(frame, DOWNSTREAM)
            self._fire_event_handler("on_ui_message", frame)

    async def _on_client_ready(self, msg_id: str, data: m.ClientReadyData) -> None:
        check = data.version
        if check.error is not None:
            await self._send_error_response(msg_id, check.error)
        self._client_version = check.stored_version(self._client_version)
        self._client_ready_id = msg_id
        await self.push_frame(InputTransportStartAudioStreamingFrame(), DOWNSTREAM)
        await self.set_client_ready()

    async def _on_send_text(self, msg_id: str, data: m.SendTextData) -> None:
        run_now = data.run_immediately
        if run_now:
            # Propagates synchronously through every processor: when this returns, the
            # pipeline has dropped queued output and committed the interrupted reply.
            await self.broadcast_interruption()
        switch_tts = data.audio_response == self._skip_tts
        if switch_tts:
            await self.push_frame(LLMConfigureOutputFrame(skip_tts=not data.audio_response))
        await self.push_frame(
            LLMMessagesAppendFrame(messages=[{"role": "user", "content": data.content}], run_llm=run_now)
        )
        await self.push_frame(RTVISendTextFrame(msg_id=msg_id, text=data.content))
        if switch_tts:
            await self.push_frame(LLMConfigureOutputFrame(skip_tts=self._skip_tts))

    async def _push_audio(self, chunks: list[bytes], sample_rate: int, num_channels: int) -> None:
        for pcm in chunks:
            frame = InputAudioRawFrame(audio=pcm, sample_rate=sample_rate, num_channels=num_channels)
            await self.push_frame(frame, DOWNSTREAM)

    async def _send_error_response(self, msg_id: str, error: str) -> None:
        await self.push_transport_message(m.ErrorResponse(id=msg_id, data=m.ErrorResponseData(error=error)))
