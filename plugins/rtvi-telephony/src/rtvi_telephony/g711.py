"""G.711 μ-law and A-law (ITU-T G.711), bit-exact, through lookup tables.

The tables are built once at import, vectorised: a 65536-entry encode table per law,
indexed by the int16 sample's bit pattern, and a 256-entry decode table. Encoding and
decoding a packet is then one numpy gather, with no per-sample Python loop.

PCM is 16-bit signed little-endian mono (the pipeline's ``InputAudioRawFrame`` audio);
G.711 is one byte per sample. The encoders follow the reference algorithm (Sun's
``g711.c``, as CPython's ``audioop`` implements it): μ-law on the top 14 bits of the
sample, A-law on the top 13, each with the usual even-bit inversion.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]

_SIGN_BIT = 0x80
_QUANT_MASK = 0x0F
_SEG_MASK = 0x70
_SEG_SHIFT = 4
_ULAW_BIAS = 0x84  # added to the 16-bit magnitude; 0x84 >> 2 on the 14-bit one
_ULAW_CLIP = 8159  # the largest 14-bit magnitude μ-law represents
# the top of each segment's magnitude range (14-bit for μ-law, 13-bit for A-law)
_ULAW_SEGMENT_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)
_ALAW_SEGMENT_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)


def _all_int16_by_bit_pattern() -> npt.NDArray[np.int32]:
    """Every int16 value, at the index of its unsigned bit pattern (0, 1, …, 32767, -32768, …, -1)."""
    return np.arange(1 << 16, dtype=np.uint16).view(np.int16).astype(np.int32)


def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    pcm = _all_int16_by_bit_pattern() >> 2  # 14-bit, arithmetic shift as the reference does
    mask = np.where(pcm < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(pcm), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEGMENT_END, magnitude, side="left")
    code = (segment << _SEG_SHIFT) | ((magnitude >> (segment + 1)) & _QUANT_MASK)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _ulaw_decode_table() -> npt.NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((code & _QUANT_MASK) << 3) + _ULAW_BIAS) << ((code & _SEG_MASK) >> _SEG_SHIFT)
    return np.where(code & _SIGN_BIT, _ULAW_BIAS - t, t - _ULAW_BIAS).astype("<i2")


def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    pcm = _all_int16_by_bit_pattern() >> 3  # 13-bit
    mask = np.where(pcm >= 0, 0xD5, 0x55)
    magnitude = np.where(pcm >= 0, pcm, -pcm - 1)
    segment = np.searchsorted(_ALAW_SEGMENT_END, magnitude, side="left")
    shift = np.where(segment < 2, 1, segment)
    code = (segment << _SEG_SHIFT) | ((magnitude >> shift) & _QUANT_MASK)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _alaw_decode_table() -> npt.NDArray[np.int16]:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (code & _SEG_MASK) >> _SEG_SHIFT
    t = (code & _QUANT_MASK) << 4
    t = np.where(segment == 0, t + 8, (t + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & _SIGN_BIT, t, -t).astype("<i2")


_ULAW_ENCODE = _ulaw_encode_table()
_ULAW_DECODE = _ulaw_decode_table()
_ALAW_ENCODE = _alaw_encode_table()
_ALAW_DECODE = _alaw_decode_table()


def _samples(pcm16le: bytes, law: str) -> npt.NDArray[np.uint16]:
    if len(pcm16le) % 2:
        raise ValueError(
            f"{law} encode: PCM must be 16-bit samples (an even number of bytes), got {len(pcm16le)} bytes"
        )
    return np.frombuffer(pcm16le, dtype="<u2")


def ulaw_encode(pcm16le: bytes) -> bytes:
    """μ-law bytes of 16-bit little-endian PCM (one byte per sample)."""
    return _ULAW_ENCODE[_samples(pcm16le, "μ-law")].tobytes()


def ulaw_decode(data: bytes) -> bytes:
    """16-bit little-endian PCM of μ-law bytes."""
    return _ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes()


def alaw_encode(pcm16le: bytes) -> bytes:
    """A-law bytes of 16-bit little-endian PCM (one byte per sample)."""
    return _ALAW_ENCODE[_samples(pcm16le, "A-law")].tobytes()


def alaw_decode(data: bytes) -> bytes:
    """16-bit little-endian PCM of A-law bytes."""
    return _ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes()
