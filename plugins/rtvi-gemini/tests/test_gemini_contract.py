"""The core's LLM contract suite against the fake Gemini API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import pytest
from gemini_fake import FakeGemini
from rtvi_gemini import GeminiLLMService

from rtvi_core.services.llm import LLMService
from rtvi_core.testing.contracts.llm import LLMContract


class TestGeminiContract(LLMContract):
    expected_words = ("hello",)

    @pytest.fixture
    def llm(self, paced: FakeGemini) -> LLMService:
        return GeminiLLMService(base_url=paced.url, model="gemini-2.5-flash")
