"""The contract suite against the real Gemini API: runs only with GEMINI_API_KEY (or GOOGLE_API_KEY) set.

GEMINI_API_KEY=... python -m pytest tests/test_gemini_live.py
"""

from __future__ import annotations

import os

import pytest
from rtvi_gemini import GeminiLLMService

from rtvi_core.services.llm import LLMService
from rtvi_core.testing.contracts.llm import LLMContract

pytestmark = pytest.mark.skipif(
    not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")),
    reason="set GEMINI_API_KEY to test against the real API",
)


class TestLiveGeminiContract(LLMContract):
    timeout = 30.0

    @pytest.fixture
    def llm(self) -> LLMService:
        model = os.environ.get("RTVI_TEST_GEMINI_MODEL", "gemini-2.5-flash")
        return GeminiLLMService(model=model, max_tokens=200, temperature=0, thinking_budget=0)
