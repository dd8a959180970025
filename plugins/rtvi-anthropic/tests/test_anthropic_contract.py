"""The core's LLM contract suite against the fake Anthropic API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import pytest
from anthropic_fake import FakeAnthropic
from rtvi_anthropic import AnthropicLLMService

from rtvi_core.services.llm import LLMService
from rtvi_core.testing.contracts.llm import LLMContract


class TestAnthropicContract(LLMContract):
    expected_words = ("hello",)

    @pytest.fixture
    def llm(self, paced: FakeAnthropic) -> LLMService:
        return AnthropicLLMService(base_url=paced.url, model="claude-haiku-4-5")
