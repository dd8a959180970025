"""The core's STT contract suite against the fake Deepgram live API (real WebSocket on 127.0.0.1)."""

from __future__ import annotations

import pytest
from deepgram_fake import API_KEY, FakeDeepgram
from rtvi_deepgram import DeepgramSTTService

from rtvi_core.services.stt import STTService
from rtvi_core.testing.contracts.stt import STTContract


class TestDeepgramContract(STTContract):
    timeout = 20.0
    streaming = True

    @pytest.fixture
    def stt(self, fake: FakeDeepgram) -> STTService:
        return DeepgramSTTService(base_url=fake.url, api_key=API_KEY)
