"""StreamResampler / resample_once: soxr-backed PCM16 rate conversion."""

from __future__ import annotations

import array
import itertools
import math
import subprocess
import sys

import pytest

from rtvi_core.audio import StreamResampler, resample_once


def tone(rate: int, seconds: float, freq: float = 440.0) -> bytes:
    return array.array(
        "h", (int(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(rate * seconds)))
    ).tobytes()


def peak_freq(pcm: bytes, rate: int) -> float:
    """Zero-crossing estimate of a pure tone's frequency."""
    samples = array.array("h", pcm)
    crossings = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    return crossings * rate / len(samples)


def test_one_shot_keeps_duration_and_pitch() -> None:
    out = resample_once(tone(22050, 1.0), 22050, 24000)
    assert len(out) == 2 * 24000
    assert peak_freq(out, 24000) == pytest.approx(440, rel=0.01)


def test_stream_of_odd_sized_chunks_equals_one_shot_length() -> None:
    pcm = tone(22050, 0.5)
    resampler = StreamResampler(22050, 16000)
    out = b"".join(resampler.resample(pcm[i : i + 441]) for i in range(0, len(pcm), 441))
    out += resampler.flush()
    assert len(out) % 2 == 0
    assert abs(len(out) // 2 - 8000) <= 1
    assert peak_freq(out, 16000) == pytest.approx(440, rel=0.01)


def test_same_rate_is_a_no_op() -> None:
    pcm = tone(16000, 0.1)
    assert resample_once(pcm, 16000, 16000) is pcm


def test_stereo_interleaved() -> None:
    mono = array.array("h", tone(48000, 0.2))
    stereo = array.array("h", (s for pair in zip(mono, mono) for s in pair)).tobytes()
    out = resample_once(stereo, 48000, 24000, num_channels=2)
    assert len(out) == 0.2 * 24000 * 4


def test_bad_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="sample rates must be positive"):
        StreamResampler(0, 16000)


def test_preload_imports_soxr_before_the_first_resampled_audio():
    code = "import sys; from rtvi_core.audio import resample; print('soxr' in sys.modules, resample.preload(), 'soxr' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "True"]
