"""Server → client messages (spec §6–§12, plus protocol 2.2.0's) and their encoding.

Their ``data`` payloads are in :mod:`.outbound_data`.

Every message is a tagged :class:`msgspec.Struct` (``type`` is the tag) built
with keyword arguments, e.g.::

    encode(BotLLMText(data=TextData("Hello")))
    # b'{"type":"bot-llm-text","label":"rtvi-ai","data":{"text":"Hello"}}'

Wire rules: only ``bot-ready``, ``server-response`` and ``error-response``
carry an ``id``; payload-less events have no ``data`` key; optional fields
default to ``msgspec.UNSET`` and are then absent (never ``null``). Nulls inside
free-form payloads (``Any``/``dict`` fields) are kept.
"""

from __future__ import annotations

from typing import Any, Final, Union

import msgspec
from msgspec import UNSET

from .constants import MESSAGE_LABEL
from .outbound_data import (
    AudioData,
    AudioLevelData,
    BotLLMSearchResponseData,
    BotOutputData,
    BotReadyData,
    ErrorData,
    ErrorResponseData,
    LLMFunctionCallData,
    LLMFunctionCallInProgressData,
    LLMFunctionCallStartedData,
    LLMFunctionCallStoppedData,
    ServerResponseData,
    TextData,
    UICommandData,
    UserInputData,
    UserTranscriptionData,
)


class OutboundMessage(msgspec.Struct, tag_field="type", kw_only=True, gc=False):
    """Base of all server → client messages."""

    label: str = MESSAGE_LABEL

    @property
    def type(self) -> str:
        """The RTVI message type (the wire ``type``), e.g. ``"bot-ready"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


# -- Responses (the only messages with an ``id``) ------------------------------------


class BotReady(OutboundMessage, tag="bot-ready", kw_only=True):
    """Handshake reply to ``client-ready`` (same id)."""

    id: str
    data: BotReadyData


class ServerResponse(OutboundMessage, tag="server-response", kw_only=True):
    """App reply to a ``client-message`` (same id)."""

    id: str
    data: ServerResponseData


class ErrorResponse(OutboundMessage, tag="error-response", kw_only=True):
    """Failure of a specific client request (same id)."""

    id: str
    data: ErrorResponseData


# -- Errors, app messages, metrics -------------------------------------------------------


class ErrorMessage(OutboundMessage, tag="error", kw_only=True):
    """Pipeline or envelope error; client disconnects if ``fatal``."""

    data: ErrorData


class ServerMessage(OutboundMessage, tag="server-message", kw_only=True):
    """App push; ``data`` omitted when None/unset."""

    data: Any = UNSET

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = UNSET


class Metrics(OutboundMessage, tag="metrics", kw_only=True):
    """Metrics report (free-form dict, spec §9)."""

    data: dict[str, Any]


# -- User events -----------------------------------------------------------------------


class UserStartedSpeaking(OutboundMessage, tag="user-started-speaking"):
    """User turn started."""


class UserStoppedSpeaking(OutboundMessage, tag="user-stopped-speaking"):
    """User turn ended."""


class VADUserStartedSpeaking(OutboundMessage, tag="vad-user-started-speaking"):
    """Raw VAD detected speech start."""


class VADUserStoppedSpeaking(OutboundMessage, tag="vad-user-stopped-speaking"):
    """Raw VAD detected speech stop."""


class UserMuteStarted(OutboundMessage, tag="user-mute-started"):
    """Server started ignoring user audio."""


class UserMuteStopped(OutboundMessage, tag="user-mute-stopped"):
    """Server stopped ignoring user audio."""


class UserTranscription(OutboundMessage, tag="user-transcription", kw_only=True):
    """Interim or final STT result."""

    data: UserTranscriptionData


class UserInput(OutboundMessage, tag="user-input", kw_only=True):
    """What the user said or typed (protocol 2.2.0; sent to every client, as Pipecat 1.14 does)."""

    data: UserInputData


class STTRawText(OutboundMessage, tag="stt-raw-text", kw_only=True):
    """A transcription as the STT produced it, interim ones included (2.2.0+ clients only)."""

    data: UserTranscriptionData


class UserLLMText(OutboundMessage, tag="user-llm-text", kw_only=True):
    """User text sent to the LLM."""

    data: TextData


class UserAudioLevel(OutboundMessage, tag="user-audio-level", kw_only=True):
    """Periodic input loudness."""

    data: AudioLevelData


# -- Bot speaking state ------------------------------------------------------------------


class BotStartedSpeaking(OutboundMessage, tag="bot-started-speaking"):
    """Bot audio started playing."""


class BotStoppedSpeaking(OutboundMessage, tag="bot-stopped-speaking"):
    """Bot audio stopped (finished, interrupted or silence)."""


class BotInterrupted(OutboundMessage, tag="bot-interrupted"):
    """A pipeline interruption happened."""


class BotAudioLevel(OutboundMessage, tag="bot-audio-level", kw_only=True):
    """Periodic TTS output loudness."""

    data: AudioLevelData


# -- Bot LLM / TTS / output ---------------------------------------------------------------


class BotLLMStarted(OutboundMessage, tag="bot-llm-started"):
    """LLM response started."""


class BotLLMText(OutboundMessage, tag="bot-llm-text", kw_only=True):
    """One raw LLM text chunk."""

    data: TextData


class BotLLMStopped(OutboundMessage, tag="bot-llm-stopped"):
    """LLM response ended."""


class LLMRawText(OutboundMessage, tag="llm-raw-text", kw_only=True):
    """One LLM text chunk as streamed (2.2.0+ clients only)."""

    data: TextData


class BotTranscription(OutboundMessage, tag="bot-transcription", kw_only=True):
    """Deprecated: accumulated LLM text up to a sentence end."""

    data: TextData


class BotTTSStarted(OutboundMessage, tag="bot-tts-started"):
    """TTS synthesis started."""


class BotTTSText(OutboundMessage, tag="bot-tts-text", kw_only=True):
    """Spoken text reached the output (word or sentence)."""

    data: TextData


class TTSRawText(OutboundMessage, tag="tts-raw-text", kw_only=True):
    """Text the TTS speaks, as it is spoken (2.2.0+ clients only)."""

    data: TextData


class BotTTSStopped(OutboundMessage, tag="bot-tts-stopped"):
    """TTS synthesis finished."""


class BotOutput(OutboundMessage, tag="bot-output", kw_only=True):
    """Bot text segment / speech progress (spec §7)."""

    data: BotOutputData


class BotLLMSearchResponse(OutboundMessage, tag="bot-llm-search-response", kw_only=True):
    """Grounded-search result (optional extension)."""

    data: BotLLMSearchResponseData


class BotTTSAudio(OutboundMessage, tag="bot-tts-audio", kw_only=True):
    """TTS audio as base64 (defined, not normally emitted)."""

    data: AudioData


# -- Function calls -------------------------------------------------------------------------


class LLMFunctionCallStarted(OutboundMessage, tag="llm-function-call-started", kw_only=True):
    """LLM announced a tool call (no tool_call_id)."""

    data: LLMFunctionCallStartedData


class LLMFunctionCallInProgress(OutboundMessage, tag="llm-function-call-in-progress", kw_only=True):
    """Tool execution started."""

    data: LLMFunctionCallInProgressData


class LLMFunctionCallStopped(OutboundMessage, tag="llm-function-call-stopped", kw_only=True):
    """Tool result delivered or call cancelled."""

    data: LLMFunctionCallStoppedData


class LLMFunctionCall(OutboundMessage, tag="llm-function-call", kw_only=True):
    """Deprecated tool-call notification."""

    data: LLMFunctionCallData


# -- System / UI -------------------------------------------------------------------------------


class SystemLog(OutboundMessage, tag="system-log", kw_only=True):
    """A server log line."""

    data: TextData


class UICommand(OutboundMessage, tag="ui-command", kw_only=True):
    """Command for the client GUI."""

    data: UICommandData


class UIJobGroup(OutboundMessage, tag="ui-job-group", kw_only=True):
    """UI job-group lifecycle envelope (free-form ``data`` with a ``kind`` key)."""

    data: dict[str, Any]


# -- Registry and encoding ----------------------------------------------------------------------

OUTBOUND_TYPES: Final[dict[str, type[OutboundMessage]]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in (
        BotReady, ServerResponse, ErrorResponse, ErrorMessage, ServerMessage, Metrics,
        UserStartedSpeaking, UserStoppedSpeaking, VADUserStartedSpeaking,
        VADUserStoppedSpeaking, UserMuteStarted, UserMuteStopped, UserTranscription,
        UserInput, STTRawText, UserLLMText, UserAudioLevel, BotStartedSpeaking,
        BotStoppedSpeaking, BotInterrupted, BotAudioLevel, BotLLMStarted, BotLLMText,
        LLMRawText, BotLLMStopped, BotTranscription, BotTTSStarted, BotTTSText, TTSRawText,
        BotTTSStopped, BotOutput, BotLLMSearchResponse,
        BotTTSAudio, LLMFunctionCallStarted, LLMFunctionCallInProgress,
        LLMFunctionCallStopped, LLMFunctionCall, SystemLog, UICommand, UIJobGroup,
    )
}  # fmt: skip

_ENCODER: Final = msgspec.json.Encoder()
# Tagged union of every outbound type, for decoding (tests, client tooling).
_DECODER: Final = msgspec.json.Decoder(Union[tuple(OUTBOUND_TYPES.values())])  # noqa: UP007


def encode(msg: OutboundMessage) -> bytes:
    """Encode a message to compact JSON bytes."""
    return _ENCODER.encode(msg)


def to_builtins(msg: OutboundMessage) -> dict[str, Any]:
    """Convert a message to a plain dict (same omission rules as :func:`encode`)."""
    return msgspec.to_builtins(msg)  # type: ignore[no-any-return]


def decode_outbound(buf: bytes | str) -> OutboundMessage:
    """Decode server → client JSON into its message Struct (raises ``msgspec.ValidationError``)."""
    return _DECODER.decode(buf)  # type: ignore[no-any-return]
