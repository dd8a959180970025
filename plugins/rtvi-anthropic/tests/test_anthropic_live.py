"""The contract suite against the real Anthropic API: runs only with ANTHROPIC_API_KEY set.

ANTHROPIC_API_KEY=sk-ant-... python -m pytest tests/test_anthropic_live.py
"""

from __future__ import annotations

import os

import pytest
from rtvi_anthropic import AnthropicLLMService

from rtvi_core.services.llm import LLMService
from rtvi_core.testing.contracts.llm import LLMContract

pytestmark = pytest.mark.skipif(
    not os.environ.get("ANTHROPIC_API_KEY"), reason="set ANTHROPIC_API_KEY to test against the real API"
)


class TestLiveAnthropicContract(LLMContract):
    timeout = 30.0

    @pytest.fixture
    def llm(self) -> LLMService:
        model = os.environ.get("RTVI_TEST_ANTHROPIC_MODEL", "claude-haiku-4-5")
        return AnthropicLLMService(model=model, max_tokens=200, temperature=0)
