"""The core's STT contract suite run against WhisperSTTService with the real tiny.en model, in both modes."""

import pytest
from rtvi_whisper import WhisperSTTService

from rtvi_core.testing.contracts.stt import STTContract


class TestWhisperContract(STTContract):
    """tiny.en, int8, greedy, incremental: the plugin's defaults (interim results, then the final)."""

    streaming = True

    @pytest.fixture
    def stt(self, tiny_en: str) -> WhisperSTTService:
        return WhisperSTTService(model=tiny_en)


class TestSegmentedWhisperContract(STTContract):
    """``mode = "segmented"``: one transcription per utterance after the user stopped."""

    @pytest.fixture
    def stt(self, tiny_en: str) -> WhisperSTTService:
        return WhisperSTTService(model=tiny_en, mode="segmented")
