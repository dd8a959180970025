"""Property tests of the WebSocket framing: any frames after a handshake, through ``WebSocketConnection``.

Whatever frames (or bytes) a client sends once upgraded, the connection never raises,
delivers only whole messages (bytes, or str for valid UTF-8 text) no larger than what
came in, writes back no more than a bounded multiple of it, and when it closes, it closes
with one of the documented codes (or echoes the valid code of the client's close frame).
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rtvi_websocket.connection import WebSocketConnection
from rtvi_websocket.settings import WebSocketSettings
from websockets.frames import Opcode

from rtvi_core.server.connection import HttpConnection
from rtvi_core.server.http import parse_request

pytestmark = pytest.mark.rtvi_plugins

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
#: Close codes the server may send of its own: normal, protocol error, bad UTF-8, policy (rate), too big,
#: internal; besides, it echoes the code of a client's valid close frame.
CLOSE_CODES = {1000, 1002, 1007, 1008, 1009, 1011}


class FakeTransport:
    """The socket side of an ``HttpConnection`` (a test double recording what is written)."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.closing = False

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closing = True

    abort = close

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        pass

    resume_reading = pause_reading


class Listener:
    def __init__(self) -> None:
        self.messages: list[bytes | str] = []
        self.lost = False

    def on_message(self, data: bytes | str) -> None:
        self.messages.append(data)

    def on_connection_lost(self) -> None:
        self.lost = True


class Server:
    """What an ``HttpConnection`` calls back (a test double of ``SessionServer``)."""

    def __init__(self, settings: WebSocketSettings) -> None:
        self.settings = settings

    def connection_opened(self, connection: HttpConnection) -> None:
        pass

    connection_closed = connection_opened


def close_codes_sent(data: bytes) -> list[int]:
    """Close codes in the frames of ``data``, unmasking a client's frames."""
    codes, pos = [], 0
    while len(data) - pos >= 2:
        opcode, masked, length = data[pos] & 0x0F, data[pos + 1] & 0x80, data[pos + 1] & 0x7F
        start = pos + 2 + {126: 2, 127: 8}.get(length, 0)
        if length >= 126:
            length = int.from_bytes(data[pos + 2 : start], "big")
        key = data[start : start + 4] if masked else b"\0\0\0\0"
        start += 4 if masked else 0
        if opcode == Opcode.CLOSE.value and length >= 2 and len(data) >= start + 2:
            codes.append(struct.unpack("!H", bytes(b ^ key[i] for i, b in enumerate(data[start : start + 2])))[0])
        pos = start + length
    return codes


def echoable(code: int) -> bool:
    """A close code a client may send and the server answers with (RFC 6455 §7.4: it echoes it)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1011 or 3000 <= code <= 4999


def encode_frame(opcode: int, data: bytes, fin: bool, rsv: int, masked: bool) -> bytes:
    """One client frame, valid or not (reserved bits, unknown opcodes, long or fragmented control frames)."""
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    length = len(data)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if not masked:
        return head + data
    key = b"\x01\x02\x03\x04"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(data))


frames = st.lists(
    st.builds(
        encode_frame,
        st.one_of(st.sampled_from([op.value for op in Opcode]), st.integers(min_value=0, max_value=15)),
        st.one_of(st.binary(max_size=300), st.sampled_from([b"\xff\xfe", b"\xc3", "é".encode(), b"\x03\xe8"])),
        st.booleans(),
        st.sampled_from([0, 0, 0, 0, 1, 2, 4, 7]),
        st.sampled_from([True, True, True, False]),
    ),
    max_size=30,
)


def feed(chunks: list[bytes], settings: WebSocketSettings) -> tuple[Listener, FakeTransport, int]:
    async def run() -> tuple[Listener, FakeTransport, int]:
        connection = HttpConnection(Server(settings))  # type: ignore[arg-type]
        transport = FakeTransport()
        connection.connection_made(transport)  # type: ignore[arg-type]
        request = parse_request(HANDSHAKE)
        assert request is not None
        websocket = WebSocketConnection.accept(connection, request, settings)
        assert websocket is not None
        listener = Listener()
        websocket.attach(listener)
        handshake_bytes = len(transport.written)
        for chunk in chunks:
            connection._received(chunk)
        connection.connection_lost(None)
        return listener, transport, handshake_bytes

    return asyncio.run(run())


def check(chunks: list[bytes], settings: WebSocketSettings) -> None:
    listener, transport, handshake = feed(chunks, settings)
    received = sum(len(chunk) for chunk in chunks)
    delivered = sum(len(m.encode() if isinstance(m, str) else m) for m in listener.messages)
    assert delivered <= received
    # Pongs echo pings (<= 125 bytes each) and one close frame at most: bounded by the input.
    assert len(transport.written) - handshake <= received + 200
    echoed = {code for code in close_codes_sent(b"".join(chunks)) if echoable(code)}
    assert set(close_codes_sent(bytes(transport.written[handshake:]))) <= CLOSE_CODES | echoed
    assert listener.lost


@given(frames)
@example([b"\x88\x82\x01\x02\x03\x04\r\x02"])  # a client's close with code 3072: echoed (the 100k run found it)
def test_property_any_frames_end_in_messages_or_a_documented_close(chunks: list[bytes]) -> None:
    check(chunks, WebSocketSettings(max_messages_per_sec=0, max_message_bytes=4096))


@given(frames, st.integers(min_value=1, max_value=7))
def test_property_the_rate_limit_holds_whatever_the_frame_kinds(chunks: list[bytes], rate: int) -> None:
    # Every data frame and ping counts: no more messages are delivered than the burst (2 x rate).
    listener, _, _ = feed(chunks, WebSocketSettings(max_messages_per_sec=rate))
    assert len(listener.messages) <= 2 * rate


@given(st.binary(max_size=2048))
def test_property_any_bytes_after_the_handshake_are_survived(data: bytes) -> None:
    check([data, data], WebSocketSettings(max_messages_per_sec=0, max_message_bytes=4096))
