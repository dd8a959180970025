"""G.711: every int16 input and every code, against audioop and the published tables."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest
from rtvi_telephony.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

Codec = Callable[[bytes], bytes]

EVERY_SAMPLE = np.arange(-32768, 32768, dtype="<i2").tobytes()
EVERY_CODE = bytes(range(256))


def _audioop() -> ModuleType:
    """Python's audioop, the reference (deprecated in 3.11, removed in 3.13)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("audioop")
        except ModuleNotFoundError:
            pytest.skip("audioop (the G.711 reference) is gone from this Python (removed in 3.13)")


def samples(pcm: bytes) -> list[int]:
    return np.frombuffer(pcm, dtype="<i2").tolist()


def test_ulaw_encode_matches_audioop_on_every_int16() -> None:
    assert ulaw_encode(EVERY_SAMPLE) == _audioop().lin2ulaw(EVERY_SAMPLE, 2)


def test_alaw_encode_matches_audioop_on_every_int16() -> None:
    assert alaw_encode(EVERY_SAMPLE) == _audioop().lin2alaw(EVERY_SAMPLE, 2)


def test_ulaw_decode_matches_audioop_on_every_code() -> None:
    assert ulaw_decode(EVERY_CODE) == _audioop().ulaw2lin(EVERY_CODE, 2)


def test_alaw_decode_matches_audioop_on_every_code() -> None:
    assert alaw_decode(EVERY_CODE) == _audioop().alaw2lin(EVERY_CODE, 2)


# Published G.711 values (ITU-T G.711 tables 1a/2a, as 16-bit linear): μ-law 0xFF and 0x7F
# are the two zeros, 0x00 / 0x80 the extremes; A-law 0xD5 / 0x55 the smallest steps,
# 0xAA / 0x2A the extremes.
@pytest.mark.parametrize(
    ("code", "linear"),
    [(0xFF, 0), (0x7F, 0), (0x00, -32124), (0x80, 32124), (0xFE, 8), (0x7E, -8), (0xEF, 132), (0xF0, 120)],
)
def test_ulaw_published_values(code: int, linear: int) -> None:
    assert samples(ulaw_decode(bytes([code]))) == [linear]


@pytest.mark.parametrize(
    ("code", "linear"),
    [(0xD5, 8), (0x55, -8), (0xAA, 32256), (0x2A, -32256), (0xD4, 24), (0xC5, 264), (0x54, -24)],
)
def test_alaw_published_values(code: int, linear: int) -> None:
    assert samples(alaw_decode(bytes([code]))) == [linear]


@pytest.mark.parametrize(
    ("linear", "code"),
    [(0, 0xFF), (32767, 0x80), (-32768, 0x00), (100, 0xF2), (-100, 0x72)],
)
def test_ulaw_encode_published_values(linear: int, code: int) -> None:
    assert ulaw_encode(np.array([linear], dtype="<i2").tobytes()) == bytes([code])


@pytest.mark.parametrize(
    ("linear", "code"),
    [(0, 0xD5), (-1, 0x55), (32767, 0xAA), (-32768, 0x2A)],
)
def test_alaw_encode_published_values(linear: int, code: int) -> None:
    assert alaw_encode(np.array([linear], dtype="<i2").tobytes()) == bytes([code])


@pytest.mark.parametrize(("encode", "decode"), [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)])
def test_decode_then_encode_is_the_identity_on_codes(encode: Codec, decode: Codec) -> None:
    # every code decodes to a value that encodes back to it, except the negative zero of μ-law
    back = encode(decode(EVERY_CODE))
    differ = [code for code in range(256) if back[code] != code]
    assert differ == ([0x7F] if encode is ulaw_encode else [])


@pytest.mark.parametrize("encode", [ulaw_encode, alaw_encode])
def test_odd_length_pcm_is_refused_with_a_clear_message(encode: Codec) -> None:
    with pytest.raises(ValueError, match=r"16-bit samples \(an even number of bytes\), got 3 bytes"):
        encode(b"\x00\x01\x02")


@pytest.mark.parametrize("codec", [ulaw_encode, ulaw_decode, alaw_encode, alaw_decode])
def test_empty_input_is_empty_output(codec: Codec) -> None:
    assert codec(b"") == b""


def test_a_20_ms_packet_is_160_bytes_and_back() -> None:
    pcm = (np.sin(np.arange(160) / 8000 * 2 * np.pi * 440) * 12000).astype("<i2").tobytes()
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        coded = encode(pcm)
        assert len(coded) == 160
        error = np.abs(np.frombuffer(decode(coded), "<i2").astype(int) - np.frombuffer(pcm, "<i2"))
        assert error.max() <= 512  # G.711's largest step at this level is 512 (A-law) / 256 (μ-law)
