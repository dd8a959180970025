"""The TTS contract suite against Piper with the joe voice (word-timed; the sentence
mode is checked in test_piper_tts.py)."""

import pytest
from rtvi_piper import PiperTTSService

from rtvi_core.testing.contracts.tts import TTSContract


class TestPiperContract(TTSContract):
    supports_word_timestamps = True

    @pytest.fixture
    def tts(self) -> PiperTTSService:
        return PiperTTSService()
