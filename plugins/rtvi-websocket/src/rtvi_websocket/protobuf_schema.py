"""The ``pipecat.Frame`` schema: its messages as dataclasses, and their field tables.

Every WebSocket message between the stock ``@pipecat-ai/websocket-transport`` client
and the server is one binary ``Frame`` (proto3, package ``pipecat``). Restated in our
own words, the schema is::

    message Frame {                    // exactly one member is set
      oneof frame {
        TextFrame          text          = 1;
        AudioRawFrame      audio         = 2;   // PCM, 16-bit signed little-endian
        TranscriptionFrame transcription = 3;
        MessageFrame       message       = 4;   // one RTVI message as JSON text
        InterruptionFrame  interruption  = 5;   // the JS client's copy lacks this one
      }
    }
    message TextFrame          { uint64 id = 1; string name = 2; string text = 3; }
    message AudioRawFrame      { uint64 id = 1; string name = 2; bytes audio = 3;
                                 uint32 sample_rate = 4; uint32 num_channels = 5;
                                 optional uint64 pts = 6; }
    message TranscriptionFrame { uint64 id = 1; string name = 2; string text = 3;
                                 string user_id = 4; string timestamp = 5; }
    message MessageFrame       { string data = 1; }
    message InterruptionFrame  { uint64 id = 1; string name = 2; }

The codec (:mod:`rtvi_websocket.protobuf`) reads and writes fields through
:data:`SCHEMAS`: per message, the decode table (full tag → attribute, kind) and the
encode order; :data:`MEMBER_BY_TAG` maps the ``oneof`` member tags to the messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from .protobuf_wire import LEN, VARINT, varint


@dataclass(slots=True)
class PbTextFrame:
    """``TextFrame``: a chunk of text."""

    id: int = 0
    name: str = ""
    text: str = ""


@dataclass(slots=True)
class PbAudioRawFrame:
    """``AudioRawFrame``: 16-bit PCM; ``pts`` is None when absent."""

    id: int = 0
    name: str = ""
    audio: bytes = b""
    sample_rate: int = 0
    num_channels: int = 0
    pts: int | None = None


@dataclass(slots=True)
class PbTranscriptionFrame:
    """``TranscriptionFrame``: a speech-to-text result."""

    id: int = 0
    name: str = ""
    text: str = ""
    user_id: str = ""
    timestamp: str = ""


@dataclass(slots=True)
class PbMessageFrame:
    """``MessageFrame``: ``data`` is the JSON text of one RTVI message."""

    data: str = ""


@dataclass(slots=True)
class PbInterruptionFrame:
    """``InterruptionFrame``: the bot was interrupted."""

    id: int = 0
    name: str = ""


PbFrame = PbTextFrame | PbAudioRawFrame | PbTranscriptionFrame | PbMessageFrame | PbInterruptionFrame


U64, U32, OPT_U64, STR, BYTES = range(5)  # length-delimited kinds last
_WIRE_TYPE = {U64: VARINT, U32: VARINT, OPT_U64: VARINT, STR: LEN, BYTES: LEN}


def _schema(*fields: tuple[int, str, int]) -> tuple[dict[int, tuple[str, int]], tuple[tuple[bytes, str, int], ...]]:
    """Decode table (full tag → attribute, kind) and encode order of ``(number, attribute, kind)``."""
    tags = [((number << 3) | _WIRE_TYPE[kind], name, kind) for number, name, kind in fields]
    return {tag: (name, kind) for tag, name, kind in tags}, tuple((varint(tag), name, kind) for tag, name, kind in tags)


_COMMON = ((1, "id", U64), (2, "name", STR))
SCHEMAS = {
    PbTextFrame: _schema(*_COMMON, (3, "text", STR)),
    PbAudioRawFrame: _schema(
        *_COMMON, (3, "audio", BYTES), (4, "sample_rate", U32), (5, "num_channels", U32), (6, "pts", OPT_U64)
    ),
    PbTranscriptionFrame: _schema(*_COMMON, (3, "text", STR), (4, "user_id", STR), (5, "timestamp", STR)),
    PbMessageFrame: _schema((1, "data", STR)),
    PbInterruptionFrame: _schema(*_COMMON),
}
#: Oneof member tag (field number, wire type 2) → message class, and back.
MEMBER_BY_TAG: dict[int, type[PbFrame]] = {
    0x0A: PbTextFrame,
    0x12: PbAudioRawFrame,
    0x1A: PbTranscriptionFrame,
    0x22: PbMessageFrame,
    0x2A: PbInterruptionFrame,
}
TAG_BY_MEMBER = {cls: bytes((tag,)) for tag, cls in MEMBER_BY_TAG.items()}
