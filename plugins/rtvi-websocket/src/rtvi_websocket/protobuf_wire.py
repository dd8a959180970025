"""The protobuf wire format, as far as ``pipecat.Frame`` needs it: varints, tags, lengths,
and skipping what a schema does not know (varint, fixed64, length-delimited, groups,
fixed32), with every malformation reported as :class:`ProtobufDecodeError`.

Nothing here knows a message; :mod:`rtvi_websocket.protobuf_schema` holds the schema
and :mod:`rtvi_websocket.protobuf` the codec built on both.
"""

from __future__ import annotations

Buffer = bytes | bytearray | memoryview


class ProtobufDecodeError(ValueError):
    """Raised by :func:`rtvi_websocket.protobuf.decode_frame` for a buffer that is not a well-formed ``Frame``."""


MAX_U64 = (1 << 64) - 1
MAX_U32 = (1 << 32) - 1
_MAX_FIELD = (1 << 29) - 1
_MAX_GROUP_DEPTH = 64

VARINT, _FIXED64, LEN, _GROUP_START, _GROUP_END, _FIXED32 = 0, 1, 2, 3, 4, 5

_SMALL_VARINTS = tuple(bytes((i,)) for i in range(128))


def varint(value: int) -> bytes:
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


def read_varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
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
            return value & MAX_U64, pos
        shift += 7
        if shift >= 70:
            raise ProtobufDecodeError(f"varint longer than 10 bytes at byte {start}")


def read_length(buf: Buffer, pos: int, end: int, field: int) -> tuple[int, int]:
    """Start and end of the length-delimited payload whose length varint is at ``pos``."""
    length, pos = read_varint(buf, pos, end)
    stop = pos + length
    if stop > end:
        raise ProtobufDecodeError(
            f"truncated length-delimited field {field} at byte {pos}: length {length} but {end - pos} bytes left"
        )
    return pos, stop


def _field_number(tag: int, pos: int) -> int:
    field = tag >> 3
    if field == 0:
        raise ProtobufDecodeError(f"field number 0 at byte {pos}")
    if field > _MAX_FIELD:
        raise ProtobufDecodeError(f"field number {field} out of range at byte {pos}")
    return field


def skip_value(buf: Buffer, pos: int, end: int, tag: int, tag_pos: int) -> int:
    """The position after the value of an unknown field whose tag has been read."""
    field = _field_number(tag, tag_pos)
    wire_type = tag & 7
    if wire_type == VARINT:
        return read_varint(buf, pos, end)[1]
    if wire_type == LEN:
        return read_length(buf, pos, end, field)[1]
    if wire_type in (_FIXED64, _FIXED32):
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
        tag, pos = read_varint(buf, pos, end)
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
            pos = skip_value(buf, pos, end, tag, tag_pos)
    return pos
