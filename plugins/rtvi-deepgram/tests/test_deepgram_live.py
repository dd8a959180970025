"""The STT contract suite against the real Deepgram live API: runs only with DEEPGRAM_API_KEY set.

DEEPGRAM_API_KEY=... python -m pytest tests/test_deepgram_live.py
"""

from __future__ import annotations

import os

import pytest
from rtvi_deepgram import DeepgramSTTService

from rtvi_core.services.stt import STTService
from rtvi_core.testing.contracts.stt import STTContract

pytestmark = pytest.mark.skipif(
    not os.environ.get("DEEPGRAM_API_KEY"), reason="set DEEPGRAM_API_KEY to test against the real API"
)


class TestLiveDeepgramContract(STTContract):
    timeout = 30.0
    streaming = True

    @pytest.fixture
    def stt(self) -> STTService:
        return DeepgramSTTService(model=os.environ.get("RTVI_TEST_DEEPGRAM_MODEL", "nova-3"))
