"""The TTS contract suite run against the built-in ``ToneTTSService``."""

import pytest

from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.testing.contracts.tts import TTSContract


class TestToneTTSContract(TTSContract):
    """Word-timed tones; synthesized at a tenth of playback speed so that an
    interruption after the first audio lands mid-text."""

    supports_word_timestamps = True
    timeout = 5.0

    @pytest.fixture
    def tts(self) -> ToneTTSService:
        return ToneTTSService(realtime_factor=0.1)


class TestToneTTSContractSentenceMode(TTSContract):
    """The same service without word timing: sentence-level text frames."""

    supports_word_timestamps = False
    timeout = 5.0

    @pytest.fixture
    def tts(self) -> ToneTTSService:
        return ToneTTSService(word_timestamps=False, realtime_factor=0.1)
