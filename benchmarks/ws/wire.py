"""RTVI messages as binary ``pipecat.Frame`` protobuf (spec §15.1), standard library only.

Only the frame kinds the load clients send: ``Frame{message{data: JSON}}``,
i.e. ``0x22 <varint L1> 0x0A <varint L2> <JSON>``, and ``Frame{audio}`` (microphone PCM). The benchmark client must
run in either framework's venv, so it does not import ``rtvi_websocket``.
"""

from __future__ import annotations

import json
from typing import Any

_MESSAGE_TAG = 0x22  # Frame.message, length-delimited
_DATA_TAG = 0x0A  # MessageFrame.data, length-delimited


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def encode_message(message: dict[str, Any]) -> bytes:
    """One RTVI message as a binary ``Frame``."""
    return encode_json(json.dumps(message, separators=(",", ":")).encode())


def encode_json(data: bytes) -> bytes:
    """JSON text, as it is (even what ``json`` could not build), as a binary message ``Frame``."""
    inner = bytes([_DATA_TAG]) + _varint(len(data)) + data
    return bytes([_MESSAGE_TAG]) + _varint(len(inner)) + inner


def decode_message(frame: bytes) -> dict[str, Any] | None:
    """The RTVI message in ``frame``, or None for any other kind of frame (audio, text...)."""
    if not frame or frame[0] != _MESSAGE_TAG:
        return None
    _, pos = _read_varint(frame, 1)
    if frame[pos] != _DATA_TAG:
        return None
    length, pos = _read_varint(frame, pos + 1)
    return json.loads(frame[pos : pos + length])


def rtvi(type_: str, msg_id: str, data: Any = None) -> dict[str, Any]:
    """An RTVI client message envelope."""
    message = {"label": "rtvi-ai", "type": type_, "id": msg_id}
    if data is not None:
        message["data"] = data
    return message


def encode_audio(pcm: bytes, sample_rate: int, num_channels: int) -> bytes:
    """Microphone audio as a binary ``Frame{audio{audio, sample_rate, num_channels}}`` (spec §15.1)."""
    inner = b"\x1a" + _varint(len(pcm)) + pcm + b"\x20" + _varint(sample_rate) + b"\x28" + _varint(num_channels)
    return b"\x12" + _varint(len(inner)) + inner
