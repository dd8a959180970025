"""The core's TTS contract suite against the fake ElevenLabs WebSocket (real sockets on 127.0.0.1)."""

from __future__ import annotations

import pytest
from elevenlabs_fake import API_KEY, FakeElevenLabs
from rtvi_elevenlabs import ElevenLabsTTSService

from rtvi_core.services.tts import TTSService
from rtvi_core.testing.contracts.tts import TTSContract


class TestElevenLabsContract(TTSContract):
    supports_word_timestamps = True

    @pytest.fixture
    def tts(self, paced: FakeElevenLabs) -> TTSService:
        return ElevenLabsTTSService(api_key=API_KEY, base_url=paced.url)
