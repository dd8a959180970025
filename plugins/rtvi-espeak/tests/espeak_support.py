"""Helpers shared by the plugin's tests, on top of the TTS contract suite's run helpers."""

from __future__ import annotations

import glob
from collections.abc import Iterable

import numpy

from rtvi_core.frames import Frame, TTSAudioRawFrame, TTSTextFrame
from rtvi_core.services.tts import TTSService
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder
from rtvi_core.testing.contracts.tts import Spoken, TTSContract

#: The Debian/Ubuntu system library, if installed (apt-get install libespeak-ng1).
SYSTEM_LIBRARY = next(iter(sorted(glob.glob("/usr/lib/*/libespeak-ng.so.1"))), None)
NO_SYSTEM_LIBRARY = "no system libespeak-ng.so.1 (apt-get install libespeak-ng1)"

#: Its helpers run a service in a bare pipeline: errors recorder → tts → recorder.
_KIT = TTSContract()


def task_for(tts: TTSService, sample_rate: int = 24000) -> tuple[PipelineTask, FrameRecorder, FrameRecorder]:
    """A task running ``errors recorder → tts → recorder`` without RTVI."""
    return _KIT.task_for(tts, sample_rate)


async def speak(tts: TTSService, frames: Iterable[Frame], sample_rate: int = 24000) -> Spoken:
    """Run ``frames`` and an EndFrame through ``tts`` to the end of the run."""
    return await _KIT.speak(tts, *frames, sample_rate=sample_rate)


def words(spoken: Spoken) -> list[str]:
    """The text of each TTSTextFrame pushed."""
    return [f.text for f in spoken.text_frames]


def word_offsets(spoken: Spoken) -> list[tuple[str, int]]:
    """Each TTSTextFrame's text with the audio bytes pushed before it."""
    out, position = [], 0
    for frame in spoken.recorder.of((TTSTextFrame, TTSAudioRawFrame)):
        if isinstance(frame, TTSTextFrame):
            out.append((frame.text, position))
        else:
            position += len(frame.audio)
    return out


def peak(pcm: bytes) -> int:
    """The largest absolute PCM16 sample."""
    samples = numpy.frombuffer(pcm, dtype="<i2").astype(numpy.int32)
    return int(numpy.abs(samples).max()) if samples.size else 0


def longest_silence(pcm: bytes, sample_rate: int, threshold: int = 300) -> float:
    """The longest run of samples below ``threshold``, in seconds."""
    loud = numpy.abs(numpy.frombuffer(pcm, dtype="<i2").astype(numpy.int32)) >= threshold
    edges = numpy.flatnonzero(numpy.concatenate(([True], loud, [True])))
    return int(numpy.diff(edges).max() - 1) / sample_rate
