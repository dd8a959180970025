"""The contract suite against the real ElevenLabs API: runs only with ELEVENLABS_API_KEY set.

ELEVENLABS_API_KEY=... python -m pytest tests/test_elevenlabs_live.py
"""

from __future__ import annotations

import os

import pytest
from rtvi_elevenlabs import ElevenLabsTTSService

from rtvi_core.services.tts import TTSService
from rtvi_core.testing.contracts.tts import TTSContract

pytestmark = pytest.mark.skipif(
    not os.environ.get("ELEVENLABS_API_KEY"), reason="set ELEVENLABS_API_KEY to test against the real API"
)


class TestLiveElevenLabsContract(TTSContract):
    supports_word_timestamps = True
    timeout = 30.0

    @pytest.fixture
    def tts(self) -> TTSService:
        voice = os.environ.get("RTVI_TEST_ELEVENLABS_VOICE")
        return ElevenLabsTTSService(**({"voice_id": voice} if voice else {}))
