"""``OpusDecoder``: libopus's own decoder (through ctypes), mono PCM16 at any rate it decodes to.

PyAV's ``libopus`` decoder cannot conceal a lost packet (FFmpeg never hands libopus an
empty packet), so the microphone is decoded with libopus directly: the copy PyAV ships
(already loaded by its FFmpeg), else the system's. libopus decodes at 8, 12, 16, 24 or
48 kHz natively; at any other rate it decodes at 48 kHz and PyAV's resampler converts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from pathlib import Path
from typing import Final

import av

#: The rates libopus decodes (and encodes) at.
OPUS_RATES: Final = frozenset((8000, 12000, 16000, 24000, 48000))
#: The longest Opus packet: 120 ms.
_MAX_FRAME_SECS: Final = 0.12
#: A lost packet counts as 20 ms until a packet told its length.
_DEFAULT_FRAME_SECS: Final = 0.02


@functools.cache
def libopus() -> ctypes.CDLL:
    """libopus: PyAV's bundled copy, else the system's; RuntimeError when there is none."""
    package = Path(av.__file__).parent
    bundled = [
        *sorted(package.parent.glob("av.libs/*opus*")),  # Linux and Windows wheels
        *sorted(package.glob(".dylibs/*opus*")),  # macOS wheels
    ]
    system = ctypes.util.find_library("opus")
    for candidate in [*map(str, bundled), *([system] if system else [])]:
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        _declare(lib)
        return lib
    raise RuntimeError("libopus not found: neither PyAV's wheel nor the system has it (apt install libopus0)")


def _declare(lib: ctypes.CDLL) -> None:
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decoder_destroy.restype = None
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decode.restype = ctypes.c_int
    lib.opus_decode.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int32,
        ctypes.POINTER(ctypes.c_int16),
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.opus_packet_get_nb_samples.restype = ctypes.c_int
    lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]


class OpusDecoder:
    """One mono Opus stream → PCM16 mono at ``rate``, with loss concealment.

    :meth:`decode` never raises on bad input: an empty or undecodable packet is concealed
    (as libopus treats a lost one). :meth:`conceal` stands in for ``count`` lost packets,
    the last one rebuilt from the in-band FEC of the packet that follows when it carries
    some (libopus conceals otherwise). :meth:`close` frees the native state at once.
    """

    _state: int | None = None

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._lib = libopus()
        self._decode_rate = rate if rate in OPUS_RATES else 48000
        error = ctypes.c_int(0)
        self._state = self._lib.opus_decoder_create(self._decode_rate, 1, ctypes.byref(error))
        if not self._state or error.value != 0:
            raise RuntimeError(f"opus_decoder_create({self._decode_rate}) failed: {error.value}")
        self._pcm = (ctypes.c_int16 * int(self._decode_rate * _MAX_FRAME_SECS))()
        self._frame = int(self._decode_rate * _DEFAULT_FRAME_SECS)
        self._resampler: av.AudioResampler | None = (
            None if rate in OPUS_RATES else av.AudioResampler(format="s16", layout="mono", rate=rate)
        )
        self.concealed = 0
        self.errors = 0

    def decode(self, payload: bytes) -> bytes:
        """The PCM of one packet (concealed when it is empty or not Opus)."""
        return self._run(payload, fec=False)

    def conceal(self, count: int, following: bytes) -> bytes:
        """PCM standing in for ``count`` lost packets that came just before ``following``."""
        if count <= 0 or self._state is None:
            return b""
        frame = self._frame_of(following)
        self.concealed += count
        pcm = b"".join(self._run(b"", fec=False, frame=frame) for _ in range(count - 1))
        return pcm + self._run(following, fec=True, frame=frame)

    def close(self) -> None:
        """Free the decoder (and the resampler's FFmpeg threads); decoding gives nothing after."""
        if self._state is not None:
            self._lib.opus_decoder_destroy(self._state)
            self._state = None
        self._resampler = None

    def __del__(self) -> None:
        self.close()

    def _frame_of(self, payload: bytes) -> int:
        """Samples (at the decode rate) in ``payload``, or in the last good packet when it tells none."""
        samples = self._lib.opus_packet_get_nb_samples(payload, len(payload), self._decode_rate) if payload else -1
        if 0 < samples <= len(self._pcm):
            return int(samples)
        return self._frame

    def _run(self, payload: bytes, *, fec: bool, frame: int | None = None) -> bytes:
        if self._state is None:
            return b""
        size = frame if frame is not None else len(self._pcm) if payload else self._frame
        data = payload or None
        samples = self._lib.opus_decode(self._state, data, len(payload), self._pcm, size, int(fec))
        if samples < 0:  # not Opus: conceal it instead
            self.errors += 1
            samples = self._lib.opus_decode(self._state, None, 0, self._pcm, frame or self._frame, 0)
            if samples < 0:
                return b""
        elif payload and not fec:
            self._frame = samples
        pcm = ctypes.string_at(self._pcm, samples * 2)
        return pcm if self._resampler is None else self._resample(pcm)

    def _resample(self, pcm: bytes) -> bytes:
        assert self._resampler is not None
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = self._decode_rate
        return b"".join(bytes(out.planes[0])[: out.samples * 2] for out in self._resampler.resample(frame))
