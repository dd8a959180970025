"""The core's STT contract suite run against WhisperSTTService with the real tiny.en model."""

import pytest
from rtvi_whisper import WhisperSTTService

from rtvi_core.testing.contracts.stt import STTContract


class TestWhisperContract(STTContract):
    """tiny.en, int8, greedy: the plugin's defaults."""

    @pytest.fixture
    def stt(self, tiny_en: str) -> WhisperSTTService:
        return WhisperSTTService(model=tiny_en)
