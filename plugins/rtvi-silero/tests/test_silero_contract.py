"""The VAD contract suite run against the Silero analyzer (real model, recorded speech)."""

from __future__ import annotations

import pytest
from rtvi_silero import SileroVADAnalyzer

from rtvi_core.testing.contracts.vad import VADContract


class TestSileroContract(VADContract):
    other_sample_rates = (8000, 24000, 44100, 48000)  # all but 8 kHz resampled to 16 kHz

    @pytest.fixture
    def vad(self) -> SileroVADAnalyzer:
        return SileroVADAnalyzer()
