"""A dependency-free codec for Pipecat's ``pipecat.Frame`` protobuf messages.

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

So an RTVI message on the wire is ``0x22 <varint L1> 0x0A <varint L2> <JSON>``.

Encoding writes fields in field-number order and leaves out fields holding their
default (0, ``""``, ``b""``), except ``pts``, which is written whenever it is not None;
the chosen oneof member is always written, even when empty (``0x22 0x00``).

Decoding follows proto3 parsing rules: fields may come in any order; unknown fields,
and known fields sent with an unexpected wire type, are skipped (varint, fixed64,
length-delimited — which covers packed fields —, groups and fixed32); a scalar field
seen twice keeps its last value; the same oneof member seen twice is merged (its later
fields override the earlier ones), and a different member replaces the previous one.
``uint32`` fields keep the low 32 bits of a longer varint, as protobuf does.
:func:`decode_frame` returns None for a ``Frame`` with no member this schema knows (an
empty buffer, or only fields of a newer schema) and raises :class:`ProtobufDecodeError`,
and nothing else, for malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = [
    "PbAudioRawFrame",
    "PbFrame",
    "PbInterruptionFrame",
    "PbMessageFrame",
    "PbTextFrame",
    "PbTranscriptionFrame",
    "ProtobufDecodeError",
    "decode_frame",
    "encode_audio",
    "encode_frame",
    "encode_message",
]

Buffer = Union[bytes, bytearray, memoryview]


class ProtobufDecodeError(ValueError):
    """Raised by :func:`decode_frame` for a buffer that is not a well-formed ``Frame``."""


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


PbFrame = Union[PbTextFrame, PbAudioRawFrame, PbTranscriptionFrame, PbMessageFrame, PbInterruptionFrame]

# -- wire primitives ----------------------------------------------------------------------

_MAX_U64 = (1 << 64) - 1
_MAX_U32 = (1 << 32) - 1
_MAX_FIELD = (1 << 29) - 1
_MAX_GROUP_DEPTH = 64

_VARINT, _FIXED64, _LEN, _GROUP_START, _GROUP_END, _FIXED32 = 0, 1, 2, 3, 4, 5

_SMALL_VARINTS = tuple(bytes((i,)) for i in range(128))


def _varint(value: int) -> bytes:
    """The varint bytes of ``0 <= value < 2**64`` (checked by the callers)."""
    if value < 0x80:
        return _SMALL_VARINTS[value]
    if value < 0x4000:
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    if value < 0x200000:
        return bytes(((value & 0x7F) | 0x80, ((value >> 7) & 0x7F) | 0x80, value >> 14))
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` (64-bit wrap-around) and the position after it."""
    if pos >= end:
        raise ProtobufDecodeError(f"truncated varint at byte {pos}")
    byte = buf[pos]
    if byte < 0x80:
        return byte, pos + 1
    start = pos
    value = byte & 0x7F
    shift = 7
    pos += 1
    while True:
        if pos >= end:
            raise ProtobufDecodeError(f"truncated varint at byte {start}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value & _MAX_U64, pos
        shift += 7
        if shift >= 70:
            raise ProtobufDecodeError(f"varint longer than 10 bytes at byte {start}")


def _read_length(buf: Buffer, pos: int, end: int, field: int) -> tuple[int, int]:
    """Start and end of the length-delimited payload whose length varint is at ``pos``."""
    length, pos = _read_varint(buf, pos, end)
    stop = pos + length
    if stop > end:
        raise ProtobufDecodeError(
            f"truncated length-delimited field {field} at byte {pos}: "
            f"length {length} but {end - pos} bytes left"
        )
    return pos, stop


def _field_number(tag: int, pos: int) -> int:
    field = tag >> 3
    if field == 0:
        raise ProtobufDecodeError(f"field number 0 at byte {pos}")
    if field > _MAX_FIELD:
        raise ProtobufDecodeError(f"field number {field} out of range at byte {pos}")
    return field


def _skip_value(buf: Buffer, pos: int, end: int, tag: int, tag_pos: int) -> int:
    """The position after the value of an unknown field whose tag has been read."""
    field = _field_number(tag, tag_pos)
    wire_type = tag & 7
    if wire_type == _VARINT:
        return _read_varint(buf, pos, end)[1]
    if wire_type == _LEN:
        return _read_length(buf, pos, end, field)[1]
    if wire_type == _FIXED64 or wire_type == _FIXED32:
        stop = pos + (8 if wire_type == _FIXED64 else 4)
        if stop > end:
            raise ProtobufDecodeError(f"truncated fixed-width field {field} at byte {pos}")
        return stop
    if wire_type == _GROUP_START:
        return _skip_group(buf, pos, end, field)
    if wire_type == _GROUP_END:
        raise ProtobufDecodeError(f"end-group for field {field} without a start at byte {tag_pos}")
    raise ProtobufDecodeError(f"invalid wire type {wire_type} at byte {tag_pos}")


def _skip_group(buf: Buffer, pos: int, end: int, field: int) -> int:
    """The position after the end-group tag closing the group ``field`` opened."""
    open_groups = [field]
    while open_groups:
        if pos >= end:
            raise ProtobufDecodeError(f"truncated group {open_groups[-1]}")
        tag_pos = pos
        tag, pos = _read_varint(buf, pos, end)
        wire_type = tag & 7
        if wire_type == _GROUP_END:
            if _field_number(tag, tag_pos) != open_groups[-1]:
                raise ProtobufDecodeError(f"mismatched end-group at byte {tag_pos}")
            open_groups.pop()
        elif wire_type == _GROUP_START:
            open_groups.append(_field_number(tag, tag_pos))
            if len(open_groups) > _MAX_GROUP_DEPTH:
                raise ProtobufDecodeError(f"groups nested too deeply at byte {tag_pos}")
        else:
            pos = _skip_value(buf, pos, end, tag, tag_pos)
    return pos


# -- message schemas ----------------------------------------------------------------------

_U64, _U32, _OPT_U64, _STR, _BYTES = range(5)  # length-delimited kinds last
_WIRE_TYPE = {_U64: _VARINT, _U32: _VARINT, _OPT_U64: _VARINT, _STR: _LEN, _BYTES: _LEN}


def _schema(*fields: tuple[int, str, int]) -> tuple[dict[int, tuple[str, int]], tuple[tuple[bytes, str, int], ...]]:
    """Decode table (full tag → attribute, kind) and encode order of ``(number, attribute, kind)``."""
    tags = [((number << 3) | _WIRE_TYPE[kind], name, kind) for number, name, kind in fields]
    return {tag: (name, kind) for tag, name, kind in tags}, tuple((_varint(tag), name, kind) for tag, name, kind in tags)


_COMMON = ((1, "id", _U64), (2, "name", _STR))
_SCHEMAS = {
    PbTextFrame: _schema(*_COMMON, (3, "text", _STR)),
    PbAudioRawFrame: _schema(
        *_COMMON, (3, "audio", _BYTES), (4, "sample_rate", _U32), (5, "num_channels", _U32), (6, "pts", _OPT_U64)
    ),
    PbTranscriptionFrame: _schema(
        *_COMMON, (3, "text", _STR), (4, "user_id", _STR), (5, "timestamp", _STR)
    ),
    PbMessageFrame: _schema((1, "data", _STR)),
    PbInterruptionFrame: _schema(*_COMMON),
}
#: Oneof member tag (field number, wire type 2) → message class, and back.
_MEMBER_BY_TAG: dict[int, type] = {
    0x0A: PbTextFrame,
    0x12: PbAudioRawFrame,
    0x1A: PbTranscriptionFrame,
    0x22: PbMessageFrame,
    0x2A: PbInterruptionFrame,
}
_TAG_BY_MEMBER = {cls: bytes((tag,)) for tag, cls in _MEMBER_BY_TAG.items()}


def _decode_into(obj: PbFrame, buf: Buffer, pos: int, end: int) -> None:
    """Set the fields of ``obj`` found in ``buf[pos:end]`` (a merge, as protobuf does)."""
    fields = _SCHEMAS[type(obj)][0]
    while pos < end:
        tag_pos = pos
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _read_varint(buf, pos, end)
        known = fields.get(tag)
        if known is None:
            pos = _skip_value(buf, pos, end, tag, tag_pos)
            continue
        name, kind = known
        # Values and lengths below 128 (one byte) skip the general varint reader.
        value = buf[pos] if pos < end else 0x80
        if value < 0x80:
            pos += 1
        else:
            value, pos = _read_varint(buf, pos, end)
        if kind >= _STR:
            start = pos
            pos += value
            if pos > end:
                raise ProtobufDecodeError(
                    f"truncated length-delimited field {tag >> 3} at byte {start}: "
                    f"length {value} but {end - start} bytes left"
                )
            if kind == _BYTES:
                value = bytes(buf[start:pos])
            else:
                try:
                    value = str(buf[start:pos], "utf-8")
                except UnicodeDecodeError as exc:
                    raise ProtobufDecodeError(
                        f"invalid UTF-8 in {type(obj).__name__[2:]}.{name} at byte {start}: {exc.reason}"
                    ) from None
        elif kind == _U32:
            value &= _MAX_U32
        setattr(obj, name, value)


def _decode_message_fast(buf: Buffer, pos: int, end: int) -> PbMessageFrame | None:
    """The ``message`` member starting at ``pos`` if it holds just ``data`` up to ``end``
    (what clients send), else None."""
    if pos >= end or buf[pos] != 0x0A:
        return None
    start, stop = _read_length(buf, pos + 1, end, 1)
    if stop != end:
        return None
    try:
        return PbMessageFrame(str(buf[start:stop], "utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtobufDecodeError(f"invalid UTF-8 in MessageFrame.data at byte {start}: {exc.reason}") from None


def decode_frame(data: Buffer) -> PbFrame | None:
    """The oneof member a serialized ``Frame`` holds, or None when it holds none we know.

    Raises :class:`ProtobufDecodeError` (and nothing else) for malformed input.
    """
    end = len(data)
    if end > 2 and data[0] == 0x22:  # a lone message member: the common case, read directly
        length, pos = _read_varint(data, 1, end)
        if pos + length == end:
            fast = _decode_message_fast(data, pos, end)
            if fast is not None:
                return fast
    member: PbFrame | None = None
    pos = 0
    while pos < end:
        tag_pos = pos
        tag, pos = _read_varint(data, pos, end)
        cls = _MEMBER_BY_TAG.get(tag)
        if cls is None:
            pos = _skip_value(data, pos, end, tag, tag_pos)
            continue
        start, pos = _read_length(data, pos, end, tag >> 3)
        if type(member) is not cls:
            member = cls()
        _decode_into(member, data, start, pos)
    return member


# -- encoding -----------------------------------------------------------------------------


def _checked_uint(value: int, limit: int, what: str) -> int:
    if not 0 <= value <= limit:
        raise ValueError(f"{what} out of range: {value}")
    return value


def encode_message(data: bytes | str) -> bytes:
    """A ``Frame`` whose ``message`` member carries ``data`` (JSON text, str or UTF-8 bytes)."""
    if isinstance(data, str):
        data = data.encode()
    n = len(data)
    if n == 0:
        return b"\x22\x00"
    if n < 0x7E:  # both lengths fit in one byte
        return bytes((0x22, n + 2, 0x0A, n)) + data
    inner_len = _varint(n)
    return b"".join((b"\x22", _varint(n + 1 + len(inner_len)), b"\x0a", inner_len, data))


def encode_audio(
    audio: bytes,
    sample_rate: int,
    num_channels: int,
    *,
    id: int = 0,
    name: str = "",
    pts: int | None = None,
) -> bytes:
    """A ``Frame`` whose ``audio`` member carries PCM ``audio`` and its format."""
    head = b""
    if id:
        head = b"\x08" + _varint(_checked_uint(id, _MAX_U64, "id"))
    if name:
        encoded_name = name.encode()
        head += b"\x12" + _varint(len(encoded_name)) + encoded_name
    if audio:
        head += b"\x1a" + _varint(len(audio))
    tail = _audio_format(sample_rate, num_channels)
    if pts is not None:
        tail += b"\x30" + _varint(_checked_uint(pts, _MAX_U64, "pts"))
    return b"".join((b"\x12", _varint(len(head) + len(audio) + len(tail)), head, audio, tail))


_AUDIO_FORMATS: dict[tuple[int, int], bytes] = {}


def _audio_format(sample_rate: int, num_channels: int) -> bytes:
    """The encoded ``sample_rate`` and ``num_channels`` fields (cached: a run uses one or two)."""
    key = (sample_rate, num_channels)
    encoded = _AUDIO_FORMATS.get(key)
    if encoded is None:
        encoded = b""
        if sample_rate:
            encoded += b"\x20" + _varint(_checked_uint(sample_rate, _MAX_U32, "sample_rate"))
        if num_channels:
            encoded += b"\x28" + _varint(_checked_uint(num_channels, _MAX_U32, "num_channels"))
        if len(_AUDIO_FORMATS) >= 64:
            _AUDIO_FORMATS.clear()
        _AUDIO_FORMATS[key] = encoded
    return encoded


def _encode_fields(obj: PbFrame) -> bytes:
    """The fields of a text, transcription or interruption member (strings and a uint64 id)."""
    parts = []
    for tag, name, kind in _SCHEMAS[type(obj)][1]:
        value = getattr(obj, name)
        if kind == _STR:
            if value:
                raw = value.encode()
                parts += (tag, _varint(len(raw)), raw)
        elif value:
            parts += (tag, _varint(_checked_uint(value, _MAX_U64, name)))
    return b"".join(parts)


def encode_frame(frame: PbFrame) -> bytes:
    """A serialized ``Frame`` whose oneof member is ``frame``.

    Raises ValueError for integers out of their field's range, KeyError for an object
    that is not one of the ``Pb*`` classes.
    """
    if type(frame) is PbMessageFrame:
        return encode_message(frame.data)
    if type(frame) is PbAudioRawFrame:
        return encode_audio(
            frame.audio, frame.sample_rate, frame.num_channels, id=frame.id, name=frame.name, pts=frame.pts
        )
    inner = _encode_fields(frame)
    return b"".join((_TAG_BY_MEMBER[type(frame)], _varint(len(inner)), inner))
