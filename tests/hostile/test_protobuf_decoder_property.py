"""Property tests of the protobuf frame decoder and ``ProtobufFrameSerializer.deserialize``.

Whatever bytes arrive, ``decode_frame`` returns a ``Pb*`` member or None, or raises
``ProtobufDecodeError`` and nothing else; ``deserialize`` never raises, and what it lets
through is bounded: audio no longer than the payload, in a format a client may send,
text within ``MAX_TEXT_CHARS``, JSON within ``MAX_JSON_DEPTH``. Memory per payload
stays within a small multiple of its size.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtvi_websocket import ProtobufFrameSerializer
from rtvi_websocket import protobuf as pb

from rtvi_core.audio import INPUT_SAMPLE_RATES, MAX_INPUT_CHANNELS
from rtvi_core.frames import (
    Frame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    TextFrame,
    TranscriptionFrame,
)
from rtvi_core.rtvi.messages import MAX_JSON_DEPTH, MAX_TEXT_CHARS
from rtvi_core.rtvi.messages.client_json import nested_deeper_than

pytestmark = pytest.mark.rtvi_plugins

PB_TYPES = (pb.PbAudioRawFrame, pb.PbInterruptionFrame, pb.PbMessageFrame, pb.PbTextFrame, pb.PbTranscriptionFrame)
#: Serializer's default input rate (no StartFrame in these tests): accepted as the receiver's own.
RUN_RATE = 16000

u64 = st.integers(min_value=0, max_value=(1 << 64) - 1)
u32 = st.one_of(
    st.sampled_from([0, 1, 2, 3, *INPUT_SAMPLE_RATES, 96000]), st.integers(min_value=0, max_value=(1 << 32) - 1)
)
names = st.text(max_size=20)


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


json_texts = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        ['{"label":"rtvi-ai","type":"client-ready","id":"1","data":{"version":"2.1.0"}}', "[]", "{}", "null"]
    ),
    st.integers(min_value=0, max_value=3000).map(deep_json),
    st.integers(min_value=0, max_value=100).map(lambda d: '{"a":' * d + "1" + "}" * d),
)

members = st.one_of(
    st.builds(pb.PbTextFrame, u64, names, st.text(max_size=300)),
    st.builds(pb.PbAudioRawFrame, u64, names, st.binary(max_size=4000), u32, u32, st.none() | u64),
    st.builds(pb.PbTranscriptionFrame, u64, names, st.text(max_size=300), names, names),
    st.builds(pb.PbMessageFrame, json_texts),
    st.builds(pb.PbInterruptionFrame, u64, names),
)


@st.composite
def payloads(draw: Callable[..., Any]) -> bytes:
    """Well-formed frames, concatenated, then maybe cut, spliced or flipped."""
    data = b"".join(pb.encode_frame(member) for member in draw(st.lists(members, min_size=1, max_size=3)))
    mutation = draw(st.sampled_from(["none", "none", "truncate", "insert", "flip"]))
    if mutation == "truncate" and data:
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    elif mutation == "insert":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
    elif mutation == "flip" and data:
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(min_value=1, max_value=255))]) + data[at + 1 :]
    return data


any_payload = st.one_of(payloads(), st.binary(max_size=2048))


def peak_bytes(func: Callable[[], Any]) -> tuple[Any, int]:
    """``func()``'s result (or the exception it raised) and the peak memory it allocated."""
    tracemalloc.start()
    try:
        try:
            result = func()
        except Exception as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@given(any_payload)
def test_property_decode_frame_returns_a_member_or_raises_only_its_error(data: bytes) -> None:
    result, peak = peak_bytes(lambda: pb.decode_frame(data))
    assert result is None or isinstance(result, (pb.ProtobufDecodeError, *PB_TYPES)), repr(result)
    assert peak <= 3 * len(data) + 64 * 1024


@given(any_payload)
def test_property_deserialize_never_raises_and_bounds_what_it_lets_through(data: bytes) -> None:
    serializer = ProtobufFrameSerializer()
    frame, peak = peak_bytes(lambda: serializer.deserialize(data))
    assert not isinstance(frame, Exception), repr(frame)
    assert frame is None or isinstance(frame, Frame)
    assert serializer.malformed_count <= 1
    if frame is None:
        return
    if isinstance(frame, InputAudioRawFrame):
        assert frame.sample_rate in (*INPUT_SAMPLE_RATES, RUN_RATE)
        assert 1 <= frame.num_channels <= MAX_INPUT_CHANNELS
        assert 0 < len(frame.audio) <= len(data) and len(frame.audio) % (2 * frame.num_channels) == 0
    elif isinstance(frame, (TextFrame, TranscriptionFrame)):
        assert len(frame.text) <= MAX_TEXT_CHARS
    elif isinstance(frame, InputTransportMessageFrame):
        assert not nested_deeper_than(frame.message, MAX_JSON_DEPTH)
    else:
        assert isinstance(frame, InterruptionFrame)
    # Decoded JSON holds Python objects: up to ~60 bytes of them per byte of "[]".
    assert peak <= 64 * len(data) + 64 * 1024


@given(st.lists(any_payload, max_size=20))
def test_property_malformed_payloads_are_counted_once_each(datas: list[bytes]) -> None:
    serializer = ProtobufFrameSerializer()
    for count, data in enumerate(datas, 1):
        before = serializer.malformed_count
        frame = serializer.deserialize(data)
        assert serializer.malformed_count - before in (0, 1)
        if serializer.malformed_count != before:
            assert frame is None and serializer.last_error
        assert serializer.malformed_count <= count
