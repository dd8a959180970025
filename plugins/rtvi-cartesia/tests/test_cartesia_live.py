"""The contract suite against the real Cartesia API: runs only with CARTESIA_API_KEY set.

CARTESIA_API_KEY=sk_car_... python -m pytest tests/test_cartesia_live.py
"""

from __future__ import annotations

import os

import pytest
from rtvi_cartesia import CartesiaTTSService

from rtvi_core.services.tts import TTSService
from rtvi_core.testing.contracts.tts import TTSContract

pytestmark = pytest.mark.skipif(
    not os.environ.get("CARTESIA_API_KEY"), reason="set CARTESIA_API_KEY to test against the real API"
)


class TestLiveCartesiaContract(TTSContract):
    supports_word_timestamps = True
    timeout = 30.0

    @pytest.fixture
    def tts(self) -> TTSService:
        voice = os.environ.get("RTVI_TEST_CARTESIA_VOICE")
        return CartesiaTTSService(**({"voice": voice} if voice else {}))
