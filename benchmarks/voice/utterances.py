"""The spoken questions of the voice_latency benchmark, synthesized with the Piper plugin.

Each sentence is spoken by rtvi-piper's ``joe`` voice, resampled to 16 kHz mono
PCM16 (what a browser client sends), trimmed of its leading and trailing silence and
cached as a WAV in ``benchmarks/voice/clips/`` (git-ignored), keyed by the text.
"""

from __future__ import annotations

import hashlib
import re
import wave
from pathlib import Path

from voice_support import trim_silence  # tests/voice, on the path of voice_latency.py

from rtvi_core.testing.speech import SpeechClip

CLIPS_DIR = Path(__file__).resolve().parent / "clips"
RATE = 16000

#: Questions and requests the echo LLM answers ("You said: ..."; the greeting for "Hello").
SENTENCES = (
    "What is the weather like in Paris today?",
    "Can you book a table for two tonight?",
    "How long does it take to drive to Boston?",
    "What time does the museum open tomorrow?",
    "Please tell me a short story about a cat.",
    "Hello, how are you doing this morning?",
    "Which train goes to the airport?",
    "How much does a large coffee cost?",
    "Could you remind me to call my sister?",
    "What is the capital of Australia?",
    "Where can I buy fresh bread nearby?",
    "Turn on the lights in the kitchen, please.",
)


def utterances(sentences: tuple[str, ...] = SENTENCES) -> list[SpeechClip]:
    """The sentences as speech (16 kHz, no silence at the ends), synthesized on first use and cached."""
    CLIPS_DIR.mkdir(exist_ok=True)
    voice = None
    result = []
    for text in sentences:
        path = CLIPS_DIR / f"{_slug(text)}.wav"
        if not path.exists():
            if voice is None:
                voice = _load_voice()
            _write_wav(path, trim_silence(_speak(voice, text)))
        with wave.open(str(path), "rb") as wav:
            result.append(SpeechClip(path.stem, wav.readframes(wav.getnframes()), RATE, text))
    return result


def _slug(text: str) -> str:
    words = "-".join(re.findall(r"[a-z]+", text.lower())[:5])
    return f"{words}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def _load_voice():  # -> rtvi_piper.voices.Voice
    from rtvi_piper.voices import load_voice, resolve_voice

    return load_voice(resolve_voice("joe"), alignments=False)


def _speak(voice, text: str) -> bytes:
    from rtvi_piper.voices import synthesis_config

    from rtvi_core.audio import resample_once

    config = synthesis_config(None, None, None)
    pcm = b"".join(voice.synthesize(phonemes, config)[0] for phonemes in voice.phonemize(text))
    return resample_once(pcm, voice.sample_rate, RATE)


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
