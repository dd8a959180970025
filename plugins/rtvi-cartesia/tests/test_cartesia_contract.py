"""The core's TTS contract suite against the fake Cartesia WebSocket (real sockets on 127.0.0.1)."""

from __future__ import annotations

import pytest
from cartesia_fake import FakeCartesia
from rtvi_cartesia import CartesiaTTSService

from rtvi_core.services.tts import TTSService
from rtvi_core.testing.contracts.tts import TTSContract


class TestCartesiaContract(TTSContract):
    supports_word_timestamps = True

    @pytest.fixture
    def tts(self, fake: FakeCartesia) -> TTSService:
        return CartesiaTTSService(base_url=fake.url)
