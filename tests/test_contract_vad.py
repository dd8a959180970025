"""The VAD contract suite run against the built-in energy VAD, on the recorded speech clip."""

from __future__ import annotations

import pytest

from rtvi_core.builtins import EnergyVADAnalyzer
from rtvi_core.testing.contracts.vad import VADContract


class TestEnergyVADContract(VADContract):
    @pytest.fixture
    def vad(self) -> EnergyVADAnalyzer:
        return EnergyVADAnalyzer()
