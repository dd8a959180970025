"""The ``data`` payloads of server → client messages (spec §6–§12, plus protocol 2.2.0's).

Plain :class:`msgspec.Struct` s; the messages that carry them are in :mod:`.outbound`.
Optional fields default to ``msgspec.UNSET`` and are then absent on the wire.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ...capabilities import BotCapabilities


class TextData(msgspec.Struct, gc=False):
    """``{text}`` payload (user-llm-text, bot-llm-text, bot-transcription, bot-tts-text, system-log, llm/tts-raw-text)."""

    text: str


class BotReadyData(msgspec.Struct, gc=False):
    """``bot-ready`` payload: negotiated protocol version, server ``about`` and (2.2.0) ``capabilities``."""

    version: str
    about: dict[str, Any] | UnsetType = UNSET
    capabilities: BotCapabilities | UnsetType = UNSET


class ErrorData(msgspec.Struct, gc=False):
    """``error`` payload; ``fatal`` is always present."""

    error: str
    fatal: bool = False


class ErrorResponseData(msgspec.Struct, gc=False):
    """``error-response`` payload."""

    error: str


class ServerResponseData(msgspec.Struct, gc=False):
    """``server-response`` payload: echoes the request ``t``; ``d`` omitted when None/unset."""

    t: str
    d: Any = UNSET

    def __post_init__(self) -> None:
        if self.d is None:
            self.d = UNSET


class UserTranscriptionData(msgspec.Struct, gc=False):
    """``user-transcription`` and ``stt-raw-text`` payload (interim: ``final=False``)."""

    text: str
    user_id: str
    timestamp: str
    final: bool


UserInputType = Literal["transcription", "chat", "backchannel"]


class UserInputData(msgspec.Struct, kw_only=True, gc=False):
    """``user-input`` payload: what the user said (``transcription``) or typed (``chat``).

    ``msg_id`` is the id of the ``send-text`` a ``chat`` input came in; ``user_id`` is
    left out when the transport does not know the sender.
    """

    text: str
    input_type: UserInputType
    timestamp: str
    final: bool
    user_id: str | UnsetType = UNSET
    msg_id: str | UnsetType = UNSET


class SpokenProgress(msgspec.Struct, gc=False):
    """Split of a ``bot-output`` segment into spoken / not yet spoken text."""

    accumulated_text: str
    remaining_text: str


SpokenStatus = Literal["new", "in-progress", "completed"]


class BotOutputData(msgspec.Struct, kw_only=True, gc=False):
    """``bot-output`` payload (spec §7.1).

    ``output_type`` (protocol 2.2.0) is what form the text is in (``"sentence"``,
    ``"word"``, a custom type); ``text_type`` and ``aggregated_by``, its deprecated
    names, default to it and are sent too, as Pipecat 1.14 does.
    """

    text: str
    output_type: str
    text_type: str | UnsetType = UNSET
    aggregated_by: str | UnsetType = UNSET
    segment_id: int | UnsetType = UNSET
    spoken: bool | UnsetType = UNSET
    will_be_spoken: bool
    spoken_status: SpokenStatus | UnsetType = UNSET
    spoken_progress: SpokenProgress | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.text_type is UNSET:
            self.text_type = self.output_type
        if self.aggregated_by is UNSET:
            self.aggregated_by = self.output_type


class LLMFunctionCallStartedData(msgspec.Struct, gc=False):
    """``llm-function-call-started`` payload (``{}`` at report level NONE)."""

    function_name: str | UnsetType = UNSET


class LLMFunctionCallInProgressData(msgspec.Struct, gc=False):
    """``llm-function-call-in-progress`` payload."""

    tool_call_id: str
    function_name: str | UnsetType = UNSET
    arguments: dict[str, Any] | UnsetType = UNSET


class LLMFunctionCallStoppedData(msgspec.Struct, gc=False):
    """``llm-function-call-stopped`` payload."""

    tool_call_id: str
    cancelled: bool
    function_name: str | UnsetType = UNSET
    result: Any = UNSET


class LLMFunctionCallData(msgspec.Struct, gc=False):
    """Deprecated ``llm-function-call`` payload (nulls kept)."""

    function_name: str | None
    tool_call_id: str | None
    args: Any


class AudioLevelData(msgspec.Struct, gc=False):
    """``user-audio-level`` / ``bot-audio-level`` payload, ``value`` in 0..1."""

    value: float


class UICommandData(msgspec.Struct, gc=False):
    """``ui-command`` payload; ``payload`` omitted when None/unset."""

    command: str
    payload: Any = UNSET

    def __post_init__(self) -> None:
        if self.payload is None:
            self.payload = UNSET


class BotLLMSearchResponseData(msgspec.Struct, gc=False):
    """``bot-llm-search-response`` payload (grounded search; Google-only in Pipecat)."""

    origins: list[Any]
    search_result: str | UnsetType = UNSET
    rendered_content: str | UnsetType = UNSET


class AudioData(msgspec.Struct, gc=False):
    """``bot-tts-audio`` payload (defined by the protocol, never emitted by Pipecat)."""

    audio: str
    sample_rate: int
    num_channels: int
