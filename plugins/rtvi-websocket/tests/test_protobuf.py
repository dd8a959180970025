"""The ``pipecat.Frame`` codec: exact bytes, proto3 parsing rules, malformed input."""

from __future__ import annotations

import random

import pytest
from rtvi_websocket.protobuf import (
    PbAudioRawFrame,
    PbInterruptionFrame,
    PbMessageFrame,
    PbTextFrame,
    PbTranscriptionFrame,
    ProtobufDecodeError,
    decode_frame,
    encode_audio,
    encode_frame,
    encode_message,
)


def varint(value: int) -> bytes:
    """Reference varint encoder, written independently of the codec's."""
    out = []
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def field(number: int, wire_type: int, payload: bytes) -> bytes:
    return varint(number << 3 | wire_type) + payload


def ld(number: int, payload: bytes) -> bytes:
    return field(number, 2, varint(len(payload)) + payload)


# -- exact bytes ---------------------------------------------------------------------------


def test_a_short_message_is_tag_length_tag_length_json() -> None:
    data = b'{"type":"bot-ready"}'
    assert encode_message(data) == bytes([0x22, len(data) + 2, 0x0A, len(data)]) + data
    assert encode_message(data.decode()) == encode_message(data)


@pytest.mark.parametrize("size", [125, 126, 127, 128, 300, 16_383, 16_384, 70_000])
def test_message_lengths_use_multi_byte_varints_at_the_boundaries(size: int) -> None:
    data = b"x" * size
    inner = b"\x0a" + varint(size) + data
    assert encode_message(data) == b"\x22" + varint(len(inner)) + inner
    assert decode_frame(encode_message(data)) == PbMessageFrame(data.decode())


def test_an_empty_message_is_still_a_message_member() -> None:
    assert encode_message(b"") == b"\x22\x00"
    assert decode_frame(b"\x22\x00") == PbMessageFrame("")


def test_audio_fields_are_written_in_order_and_defaults_are_left_out() -> None:
    pcm = bytes(range(256)) * 2
    assert encode_audio(pcm, 16000, 1, name="audio") == (
        b"\x12\x8f\x04" + b"\x12\x05audio" + b"\x1a\x80\x04" + pcm + b"\x20\x80\x7d" + b"\x28\x01"
    )
    assert encode_audio(b"", 0, 0) == b"\x12\x00"
    assert encode_audio(b"\x01\x02", 24000, 1, id=300, name="OutputAudioRawFrame#300", pts=0) == (
        b"\x12\x28"
        + b"\x08\xac\x02"
        + b"\x12\x17OutputAudioRawFrame#300"
        + b"\x1a\x02\x01\x02"
        + b"\x20\xc0\xbb\x01"
        + b"\x28\x01"
        + b"\x30\x00"
    )


def test_text_transcription_and_interruption_members() -> None:
    assert encode_frame(PbTextFrame(text="hi")) == b"\x0a\x04" + b"\x1a\x02hi"
    assert encode_frame(PbTranscriptionFrame(id=1, text="a", user_id="u", timestamp="t")) == (
        b"\x1a\x0b" + b"\x08\x01" + b"\x1a\x01a" + b"\x22\x01u" + b"\x2a\x01t"
    )
    assert encode_frame(PbInterruptionFrame()) == b"\x2a\x00"
    assert encode_frame(PbInterruptionFrame(id=5, name="I")) == b"\x2a\x05\x08\x05\x12\x01I"


@pytest.mark.parametrize(
    "frame",
    [
        PbAudioRawFrame(id=-1),
        PbAudioRawFrame(id=1 << 64),
        PbAudioRawFrame(sample_rate=1 << 32),
        PbAudioRawFrame(pts=-1),
        PbTextFrame(id=-3),
    ],
)
def test_integers_out_of_range_are_refused_on_encode(frame: object) -> None:
    with pytest.raises(ValueError, match="out of range"):
        encode_frame(frame)  # type: ignore[arg-type]


# -- proto3 parsing rules ------------------------------------------------------------------


def test_fields_in_any_order_and_unknown_fields_of_every_wire_type_are_skipped() -> None:
    inner = (
        field(5, 0, varint(2))
        + field(99, 0, varint(1 << 63))  # varint
        + field(98, 1, b"\x00" * 8)  # fixed64
        + ld(97, b"\x01\x02\x03")  # length-delimited (also what packed fields look like)
        + field(96, 3, field(1, 0, b"\x01") + field(7, 3, ld(2, b"z") + field(7, 4, b"")) + field(96, 4, b""))
        + field(95, 5, b"\x00" * 4)  # fixed32
        + ld(3, b"\x10\x00")
        + field(4, 0, varint(48000))
        + ld(2, b"bot")
        + field(1, 0, varint(7))
        + field(6, 0, varint(0))  # pts explicitly zero: present
    )
    outer = field(200, 1, b"\xff" * 8) + ld(2, inner) + field(201, 5, b"\x00" * 4)
    assert decode_frame(outer) == PbAudioRawFrame(7, "bot", b"\x10\x00", 48000, 2, 0)


def test_a_known_field_with_an_unexpected_wire_type_is_skipped() -> None:
    inner = field(3, 0, varint(5)) + field(4, 2, varint(1) + b"x") + ld(3, b"ok")
    assert decode_frame(ld(2, inner)) == PbAudioRawFrame(audio=b"ok")
    assert decode_frame(field(4, 0, varint(1))) is None  # oneof member sent as a varint


def test_repeated_scalars_keep_the_last_value_and_repeated_members_merge() -> None:
    first = ld(2, ld(2, b"a") + field(4, 0, varint(16000)) + ld(3, b"\x01\x01"))
    second = ld(2, field(4, 0, varint(24000)) + ld(3, b"\x02\x02"))
    assert decode_frame(first + second) == PbAudioRawFrame(0, "a", b"\x02\x02", 24000, 0)
    # A different member replaces the previous one.
    assert decode_frame(first + ld(4, ld(1, b"{}"))) == PbMessageFrame("{}")
    assert decode_frame(ld(4, ld(1, b"{}")) + first) == PbAudioRawFrame(0, "a", b"\x01\x01", 16000, 0)


def test_uint32_fields_keep_the_low_32_bits() -> None:
    assert decode_frame(ld(2, field(4, 0, varint((1 << 40) | 16000)))) == PbAudioRawFrame(sample_rate=16000)
    assert decode_frame(ld(2, field(1, 0, varint((1 << 64) - 1)))) == PbAudioRawFrame(id=(1 << 64) - 1)


@pytest.mark.parametrize("data", [b"", field(9, 0, b"\x01"), ld(6, b"future member"), ld(30, b"")])
def test_a_frame_without_a_known_member_decodes_to_none(data: bytes) -> None:
    assert decode_frame(data) is None


def test_bytearray_and_memoryview_inputs() -> None:
    frame = encode_audio(b"\x01\x00" * 10, 24000, 1, id=3, name="n")
    expected = decode_frame(frame)
    assert decode_frame(bytearray(frame)) == expected
    assert decode_frame(memoryview(frame)) == expected
    assert type(decode_frame(memoryview(frame)).audio) is bytes  # type: ignore[union-attr]
    message = encode_message(b'{"a":"\xc3\xa9"}')
    assert decode_frame(memoryview(message)) == PbMessageFrame('{"a":"é"}')


# -- malformed input -----------------------------------------------------------------------

MALFORMED = {
    "truncated varint (tag)": b"\x80",
    "truncated varint (length)": b"\x22\xff",
    "truncated varint (inner value)": ld(2, b"\x20\x80"),
    "truncated length-delimited": b"\x22\x05\x0a\x03ab",
    "length beyond the buffer": b"\x22\x02\x0a\x01",
    "huge length": b"\x22" + varint((1 << 64) - 1),
    "inner length beyond the member": b"\x12\x03\x1a\x05\x00\x00\x00\x00\x00",
    "wire type 6": b"\x0e\x00",
    "wire type 7": ld(2, b"\x0f"),
    "varint longer than 10 bytes": b"\x08" + b"\xff" * 10 + b"\x01",
    "field number 0 (outer)": b"\x02\x00",
    "field number 0 (inner)": ld(4, b"\x00\x01"),
    "field number too large": varint((1 << 29) << 3) + b"\x00",
    "invalid UTF-8 in message data": ld(4, ld(1, b'{"a":"\xff"}')),
    "invalid UTF-8 in message data (merged)": ld(4, b"") + ld(4, ld(1, b"\xc3")),
    "invalid UTF-8 in name": ld(2, ld(2, b"\xed\xa0\x80")),  # an encoded surrogate
    "invalid UTF-8 in transcription": ld(3, ld(3, b"\xc3\x28")),
    "truncated fixed64": field(9, 1, b"\x00" * 7),
    "truncated fixed32": ld(2, field(9, 5, b"\x00" * 3)),
    "end-group without start": field(9, 4, b""),
    "unterminated group": field(9, 3, field(1, 0, b"\x01")),
    "mismatched end-group": field(9, 3, field(8, 4, b"")),
    "groups nested too deeply": field(9, 3, b"") * 100,
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_raises_one_clear_error(data: bytes) -> None:
    with pytest.raises(ProtobufDecodeError) as raised:
        decode_frame(data)
    assert str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_error_messages_say_what_is_wrong() -> None:
    def error(data: bytes) -> str:
        with pytest.raises(ProtobufDecodeError) as raised:
            decode_frame(data)
        return str(raised.value)

    assert "truncated varint" in error(MALFORMED["truncated varint (tag)"])
    assert "length 5 but 4 bytes left" in error(MALFORMED["truncated length-delimited"])
    assert "invalid wire type 6" in error(MALFORMED["wire type 6"])
    assert "longer than 10 bytes" in error(MALFORMED["varint longer than 10 bytes"])
    assert "field number 0" in error(MALFORMED["field number 0 (inner)"])
    assert "invalid UTF-8 in MessageFrame.data" in error(MALFORMED["invalid UTF-8 in message data"])
    assert "invalid UTF-8 in AudioRawFrame.name" in error(MALFORMED["invalid UTF-8 in name"])


def test_every_truncation_of_valid_frames_raises_or_decodes_cleanly() -> None:
    frames = [
        encode_audio(bytes(range(200)), 24000, 1, id=12345, name="OutputAudioRawFrame#12345", pts=99),
        encode_message('{"label":"rtvi-ai","type":"bot-llm-text","data":{"text":"héllo"}}' * 3),
        encode_frame(PbTranscriptionFrame(id=2, name="T", text="hey", user_id="u1", timestamp="now")),
    ]
    for frame in frames:
        for cut in range(1, len(frame)):
            try:
                decode_frame(frame[:cut])
            except ProtobufDecodeError:
                pass


def test_random_bytes_never_raise_anything_else() -> None:
    rng = random.Random(1234)
    valid = encode_audio(b"\x00\x01" * 8, 16000, 1, id=9, name="audio")
    for _ in range(5000):
        if rng.random() < 0.5:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(24)))
        else:
            mutated = bytearray(valid)
            for _ in range(rng.randrange(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            data = bytes(mutated)
        try:
            decode_frame(data)
        except ProtobufDecodeError:
            pass


# -- round trips ---------------------------------------------------------------------------


def _random_text(rng: random.Random) -> str:
    alphabet = 'abc xyz{}":,é€👋\n\u0000'
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 130, 400])))


def _random_uint(rng: random.Random, bits: int) -> int:
    return rng.choice([0, 1, 127, 128, 300, 16_383, 16_384, (1 << bits) - 1, rng.getrandbits(bits)])


def _random_frame(rng: random.Random) -> object:
    kind = rng.randrange(5)
    if kind == 0:
        return PbTextFrame(_random_uint(rng, 64), _random_text(rng), _random_text(rng))
    if kind == 1:
        return PbAudioRawFrame(
            _random_uint(rng, 64),
            _random_text(rng),
            rng.randbytes(rng.choice([0, 2, 512, 1920, 20_000])),
            _random_uint(rng, 32),
            _random_uint(rng, 32),
            rng.choice([None, 0, _random_uint(rng, 64)]),
        )
    if kind == 2:
        return PbTranscriptionFrame(_random_uint(rng, 64), *(_random_text(rng) for _ in range(4)))
    if kind == 3:
        return PbMessageFrame(_random_text(rng))
    return PbInterruptionFrame(_random_uint(rng, 64), _random_text(rng))


def test_randomized_round_trips() -> None:
    rng = random.Random(20261123)
    for _ in range(3000):
        frame = _random_frame(rng)
        encoded = encode_frame(frame)  # type: ignore[arg-type]
        assert decode_frame(encoded) == frame
        # Unknown fields around the member change nothing.
        padded = field(77, 0, varint(rng.getrandbits(64))) + encoded + ld(78, rng.randbytes(3))
        assert decode_frame(padded) == frame


def test_round_trip_through_the_fast_encoders() -> None:
    assert decode_frame(encode_audio(b"\x01\x02" * 960, 24000, 1, id=42, name="A#42")) == PbAudioRawFrame(
        42, "A#42", b"\x01\x02" * 960, 24000, 1
    )
    assert decode_frame(encode_message('{"x":"€"}')) == PbMessageFrame('{"x":"€"}')
