"""The core's TTS contract suite, run against EspeakTTSService."""

from __future__ import annotations

import pytest
from rtvi_espeak import EspeakTTSService

from rtvi_core.testing.contracts.tts import TTSContract


class TestEspeakContract(TTSContract):
    supports_word_timestamps = True
    # espeak-ng speaks a sentence in a few milliseconds: a longer text keeps the
    # interruption and cancel tests mid-text however fast the machine is.
    long_text = " ".join(f"This is sentence number {n} of a long answer." for n in range(1, 61))
    # No model to load: a run that takes seconds has hung.
    timeout = 5.0

    @pytest.fixture
    def tts(self) -> EspeakTTSService:
        return EspeakTTSService()
