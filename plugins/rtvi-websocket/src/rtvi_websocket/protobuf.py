"""A dependency-free codec for Pipecat's ``pipecat.Frame`` protobuf messages.

Every WebSocket message between the stock ``@pipecat-ai/websocket-transport`` client
and the server is one binary ``Frame``. Its schema and the dataclasses standing for its
messages are in :mod:`rtvi_websocket.protobuf_schema` (re-exported here), the wire
primitives in :mod:`rtvi_websocket.protobuf_wire`. An RTVI message on the wire is
``0x22 <varint L1> 0x0A <varint L2> <JSON>``.

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

from .protobuf_schema import (
    BYTES,
    MEMBER_BY_TAG,
    SCHEMAS,
    STR,
    TAG_BY_MEMBER,
    U32,
    PbAudioRawFrame,
    PbFrame,
    PbInterruptionFrame,
    PbMessageFrame,
    PbTextFrame,
    PbTranscriptionFrame,
)
from .protobuf_wire import MAX_U32, MAX_U64, Buffer, ProtobufDecodeError, read_length, read_varint, skip_value, varint

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


def _decode_into(obj: PbFrame, buf: Buffer, pos: int, end: int) -> None:
    """Set the fields of ``obj`` found in ``buf[pos:end]`` (a merge, as protobuf does)."""
    fields = SCHEMAS[type(obj)][0]
    while pos < end:
        tag_pos = pos
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = read_varint(buf, pos, end)
        known = fields.get(tag)
        if known is None:
            pos = skip_value(buf, pos, end, tag, tag_pos)
            continue
        name, kind = known
        # Values and lengths below 128 (one byte) skip the general varint reader.
        value = buf[pos] if pos < end else 0x80
        if value < 0x80:
            pos += 1
        else:
            value, pos = read_varint(buf, pos, end)
        if kind >= STR:
            start = pos
            pos += value
            if pos > end:
                raise ProtobufDecodeError(
                    f"truncated length-delimited field {tag >> 3} at byte {start}: "
                    f"length {value} but {end - start} bytes left"
                )
            if kind == BYTES:
                setattr(obj, name, bytes(buf[start:pos]))
                continue
            try:
                setattr(obj, name, str(buf[start:pos], "utf-8"))
            except UnicodeDecodeError as exc:
                raise ProtobufDecodeError(
                    f"invalid UTF-8 in {type(obj).__name__[2:]}.{name} at byte {start}: {exc.reason}"
                ) from None
            continue
        if kind == U32:
            value &= MAX_U32
        setattr(obj, name, value)


def _decode_message_fast(buf: Buffer, pos: int, end: int) -> PbMessageFrame | None:
    """The ``message`` member starting at ``pos`` if it holds just ``data`` up to ``end``
    (what clients send), else None."""
    if pos >= end or buf[pos] != 0x0A:
        return None
    start, stop = read_length(buf, pos + 1, end, 1)
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
        length, pos = read_varint(data, 1, end)
        if pos + length == end:
            fast = _decode_message_fast(data, pos, end)
            if fast is not None:
                return fast
    member: PbFrame | None = None
    pos = 0
    while pos < end:
        tag_pos = pos
        tag, pos = read_varint(data, pos, end)
        cls = MEMBER_BY_TAG.get(tag)
        if cls is None:
            pos = skip_value(data, pos, end, tag, tag_pos)
            continue
        start, pos = read_length(data, pos, end, tag >> 3)
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
    inner_len = varint(n)
    return b"".join((b"\x22", varint(n + 1 + len(inner_len)), b"\x0a", inner_len, data))


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
        head = b"\x08" + varint(_checked_uint(id, MAX_U64, "id"))
    if name:
        encoded_name = name.encode()
        head += b"\x12" + varint(len(encoded_name)) + encoded_name
    if audio:
        head += b"\x1a" + varint(len(audio))
    tail = _audio_format(sample_rate, num_channels)
    if pts is not None:
        tail += b"\x30" + varint(_checked_uint(pts, MAX_U64, "pts"))
    return b"".join((b"\x12", varint(len(head) + len(audio) + len(tail)), head, audio, tail))


_AUDIO_FORMATS: dict[tuple[int, int], bytes] = {}


def _audio_format(sample_rate: int, num_channels: int) -> bytes:
    """The encoded ``sample_rate`` and ``num_channels`` fields (cached: a run uses one or two)."""
    key = (sample_rate, num_channels)
    encoded = _AUDIO_FORMATS.get(key)
    if encoded is None:
        encoded = b""
        if sample_rate:
            encoded += b"\x20" + varint(_checked_uint(sample_rate, MAX_U32, "sample_rate"))
        if num_channels:
            encoded += b"\x28" + varint(_checked_uint(num_channels, MAX_U32, "num_channels"))
        if len(_AUDIO_FORMATS) >= 64:
            _AUDIO_FORMATS.clear()
        _AUDIO_FORMATS[key] = encoded
    return encoded


def _encode_fields(obj: PbFrame) -> bytes:
    """The fields of a text, transcription or interruption member (strings and a uint64 id)."""
    parts: list[bytes] = []
    for tag, name, kind in SCHEMAS[type(obj)][1]:
        value = getattr(obj, name)
        if kind == STR:
            if value:
                raw = value.encode()
                parts += (tag, varint(len(raw)), raw)
        elif value:
            parts += (tag, varint(_checked_uint(value, MAX_U64, name)))
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
    return b"".join((TAG_BY_MEMBER[type(frame)], varint(len(inner)), inner))
