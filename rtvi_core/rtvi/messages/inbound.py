"""Client → server messages: envelope parsing and ``data`` validation (spec §2, §5, §12).

Typical use by the RTVI processor::

    env = parse_envelope(obj)          # None → ignore; EnvelopeError → `error` event
    if env is None:
        return
    payload = validate_data(env.type, env.data)   # RTVIMessageError subclasses, see errors.py

``data`` Structs are decoded strictly (no ``"1"`` → ``1`` coercion); unknown keys
are ignored (and therefore not kept: forward the original ``env.data`` dict when
extra keys must survive, e.g. for ``ui-snapshot``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Final, Literal

import msgspec

from ...audio.input_format import AudioFormatError, check_input_format
from .constants import MESSAGE_LABEL
from .errors import (
    DroppedMessageError,
    EnvelopeError,
    InvalidMessageError,
    MessageProcessingError,
    UnsupportedTypeError,
)
from .version import VersionCheck, parse_about, parse_client_version

# -- Envelope -----------------------------------------------------------------


class ClientEnvelope(msgspec.Struct, gc=False):
    """A validated inbound envelope (label already checked)."""

    type: str
    id: str
    data: dict[str, Any] | None = None


_JSON_TYPE_NAMES: Final = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    type(None): "null",
    list: "array",
    dict: "object",
}


_MISSING: Final = object()


def _json_type_name(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def parse_envelope(obj: object) -> ClientEnvelope | None:
    """Check the envelope of an already JSON-decoded inbound message.

    Returns None when ``obj`` is not an RTVI message (not an object, or
    ``label`` is not exactly ``"rtvi-ai"``): the caller ignores it silently.
    Raises :class:`EnvelopeError` when the label is right but ``type``/``id``
    is missing or not a string, or ``data`` is neither an object nor null.
    Extra top-level keys are ignored.
    """
    if not isinstance(obj, dict) or obj.get("label") != MESSAGE_LABEL:
        return None
    msg_type = obj.get("type", _MISSING)
    msg_id = obj.get("id", _MISSING)
    data = obj.get("data")
    for key, value in (("type", msg_type), ("id", msg_id)):
        if value is _MISSING:
            raise EnvelopeError(f"Object missing required field `{key}`")
        if not isinstance(value, str):
            raise EnvelopeError(f"Expected `str`, got `{_json_type_name(value)}` - at `$.{key}`")
    if data is not None and not isinstance(data, dict):
        raise EnvelopeError(f"Expected `object | null`, got `{_json_type_name(data)}` - at `$.data`")
    return ClientEnvelope(msg_type, msg_id, data)


# -- Data payloads --------------------------------------------------------------


class ClientReadyData(msgspec.Struct, gc=False):
    """``client-ready``: negotiated version check and client ``about`` (never invalid)."""

    version: VersionCheck
    about: dict[str, Any]


class DisconnectBotData(msgspec.Struct, gc=False):
    """``disconnect-bot``: payload is ignored."""


class ClientMessageData(msgspec.Struct, gc=False):
    """``client-message``: app-defined request ``t`` with optional data ``d``."""

    t: str
    d: Any = None


class SendTextOptions(msgspec.Struct, gc=False):
    """``send-text.options``."""

    run_immediately: bool = True
    audio_response: bool = True


#: Longest text a client may send in one message (``send-text`` content, in characters):
#: about 2,500 words, far beyond a typed turn; longer is an ``error-response``.
MAX_TEXT_CHARS: Final = 16_384


class SendTextData(msgspec.Struct, gc=False):
    """``send-text``: inject a user text turn (``content`` at most :data:`MAX_TEXT_CHARS`)."""

    content: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
    options: SendTextOptions | None = None

    @property
    def run_immediately(self) -> bool:
        """Effective option (default True)."""
        return True if self.options is None else self.options.run_immediately

    @property
    def audio_response(self) -> bool:
        """Effective option (default True)."""
        return True if self.options is None else self.options.audio_response


class LLMFunctionCallResultData(msgspec.Struct, gc=False):
    """``llm-function-call-result``: result of a client-side tool."""

    function_name: str
    tool_call_id: str
    arguments: dict[str, Any]
    result: dict[str, Any] | str


DTMFKey = Literal["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]


class DTMFData(msgspec.Struct, gc=False):
    """``dtmf`` (2.1.0 form): one or more keypresses, in order."""

    buttons: Annotated[list[DTMFKey], msgspec.Meta(min_length=1)]


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DroppedMessageError(f"Invalid base64 audio: {exc}") from exc


class RawAudioData(msgspec.Struct, gc=False, rename="camel"):
    """``raw-audio`` (wire keys ``base64Audio``, ``sampleRate``, ``numChannels``).

    :func:`validate_data` also checks the format against
    :func:`~rtvi_core.audio.check_input_format`.
    """

    base64_audio: str
    sample_rate: int
    num_channels: int

    def pcm(self) -> bytes:
        """Decoded s16le PCM; raises :class:`DroppedMessageError` on bad base64."""
        return _b64decode(self.base64_audio)


class RawAudioBatchData(msgspec.Struct, gc=False, rename="camel"):
    """``raw-audio-batch`` (wire keys ``base64AudioBatch``, ``sampleRate``, ``numChannels``).

    The format is checked as for :class:`RawAudioData`.
    """

    base64_audio_batch: list[str]
    sample_rate: int
    num_channels: int

    def pcm_chunks(self) -> list[bytes]:
        """All chunks decoded; raises :class:`DroppedMessageError` if any is bad (nothing used)."""
        return [_b64decode(chunk) for chunk in self.base64_audio_batch]


class UIEventData(msgspec.Struct, gc=False):
    """``ui-event``: app-defined UI event."""

    event: str
    payload: Any = None


class A11yNode(msgspec.Struct, gc=False):
    """One node of a UI accessibility snapshot (unknown keys ignored)."""

    ref: str
    role: str
    name: str | None = None
    value: str | None = None
    state: list[str] | None = None
    level: int | None = None
    colcount: int | None = None
    rowcount: int | None = None
    children: list[A11yNode] | None = None


class A11ySelection(msgspec.Struct, gc=False):
    """Current text selection in a UI snapshot."""

    ref: str
    text: str
    start_offset: int | None = None
    end_offset: int | None = None


class A11ySnapshot(msgspec.Struct, gc=False):
    """Accessibility tree captured by the client (``captured_at`` in epoch ms)."""

    root: A11yNode
    captured_at: int
    selection: A11ySelection | None = None


class UISnapshotData(msgspec.Struct, gc=False):
    """``ui-snapshot``."""

    tree: A11ySnapshot


class UICancelJobGroupData(msgspec.Struct, gc=False):
    """``ui-cancel-job-group``."""

    job_id: str
    reason: str | None = None


# -- Dispatch -------------------------------------------------------------------

#: ``data`` types validated strictly; failures are ``Invalid message: …``.
DATA_TYPES: Final[dict[str, type[msgspec.Struct]]] = {
    "client-message": ClientMessageData,
    "send-text": SendTextData,
    "llm-function-call-result": LLMFunctionCallResultData,
    "dtmf": DTMFData,
    "ui-event": UIEventData,
    "ui-snapshot": UISnapshotData,
    "ui-cancel-job-group": UICancelJobGroupData,
}

#: Raw-audio types: null data → MessageProcessingError, bad fields → DroppedMessageError.
RAW_AUDIO_TYPES: Final[dict[str, type[msgspec.Struct]]] = {
    "raw-audio": RawAudioData,
    "raw-audio-batch": RawAudioBatchData,
}

#: Wire names of the raw-audio format fields (for error texts).
_AUDIO_WIRE_NAMES: Final = {"sample_rate": "sampleRate", "num_channels": "numChannels"}

#: Every client → server type the server handles (spec §5, 11 types).
CLIENT_MESSAGE_TYPES: Final = frozenset({"client-ready", "disconnect-bot", *DATA_TYPES, *RAW_AUDIO_TYPES})

ClientData = (
    ClientReadyData
    | DisconnectBotData
    | ClientMessageData
    | SendTextData
    | LLMFunctionCallResultData
    | DTMFData
    | RawAudioData
    | RawAudioBatchData
    | UIEventData
    | UISnapshotData
    | UICancelJobGroupData
)


def validate_data(msg_type: str, data: dict[str, Any] | None) -> ClientData:
    """Validate ``data`` of a client message of type ``msg_type``.

    * ``client-ready`` never fails (see :class:`ClientReadyData`);
      ``disconnect-bot`` ignores its data.
    * Other known types: :class:`InvalidMessageError` with msgspec's detail
      text (e.g. ``Object missing required field `t```, ``Expected `object`,
      got `null```).
    * ``raw-audio``/``raw-audio-batch``: null data →
      :class:`MessageProcessingError`; missing/ill-typed keys →
      :class:`DroppedMessageError` (log, no reply); a sample rate or channel count
      a client may not send (:func:`~rtvi_core.audio.check_input_format`) →
      :class:`InvalidMessageError` naming the field and the allowed values.
    * Unknown type: :class:`UnsupportedTypeError`.
    """
    struct_type = DATA_TYPES.get(msg_type)
    if struct_type is not None:
        try:
            return msgspec.convert(data, struct_type)  # type: ignore[return-value]
        except msgspec.ValidationError as exc:
            raise InvalidMessageError(str(exc)) from None
    if msg_type == "client-ready":
        return ClientReadyData(
            version=parse_client_version(data),
            about=parse_about(data.get("about") if data is not None else None),
        )
    if msg_type == "disconnect-bot":
        return DisconnectBotData()
    struct_type = RAW_AUDIO_TYPES.get(msg_type)
    if struct_type is not None:
        if data is None:
            raise MessageProcessingError("Expected `object`, got `null`")
        try:
            audio: RawAudioData | RawAudioBatchData = msgspec.convert(data, struct_type)  # type: ignore[assignment]
        except msgspec.ValidationError as exc:
            raise DroppedMessageError(str(exc)) from None
        try:
            check_input_format(audio.sample_rate, audio.num_channels)
        except AudioFormatError as exc:
            name = _AUDIO_WIRE_NAMES[exc.field]
            raise InvalidMessageError(f"{exc.describe(name)} - at `$.{name}`") from None
        return audio
    raise UnsupportedTypeError(msg_type)
