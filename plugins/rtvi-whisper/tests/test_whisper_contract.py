"""The core's STT contract suite run against WhisperSTTService with the real tiny.en model, in both modes."""

import pytest
from rtvi_whisper import WhisperSTTService

from rtvi_core.testing.contracts.stt import STTContract
from rtvi_core.testing.speech import PARIS

#: tiny.en writes the question's city "Paris" or "pairs" depending on where the window starts
#: (measured on the clip: 0 or >= 0.3 s of silence before the speech, "Paris"; 0.1-0.2 s,
#: "pairs"; beam search does not change it).
WEATHER_WORDS = ("weather", "|".join(PARIS))


class TestWhisperContract(STTContract):
    """tiny.en, int8, greedy, incremental: the plugin's defaults (interim results, then the final)."""

    streaming = True
    expected_words = WEATHER_WORDS

    @pytest.fixture
    def stt(self, tiny_en: str) -> WhisperSTTService:
        return WhisperSTTService(model=tiny_en)


class TestSegmentedWhisperContract(STTContract):
    """``mode = "segmented"``: one transcription per utterance after the user stopped."""

    expected_words = WEATHER_WORDS

    @pytest.fixture
    def stt(self, tiny_en: str) -> WhisperSTTService:
        return WhisperSTTService(model=tiny_en, mode="segmented")
